/** The simulation report: Markdown rows, same bytes for the same input, and the HTML page as a browser parses it. */
import { parse, type DefaultTreeAdapterTypes } from 'parse5';
import { describe, expect, it } from 'vitest';
import { specWith } from '@dogbreed/testing';
import { runSimulations } from '../run.js';
import { standardTrace } from '../traces.js';
import { parsePolicyArg } from '../policies.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

type Node = DefaultTreeAdapterTypes.Node;
type Element = DefaultTreeAdapterTypes.Element;

const children = (n: Node): Node[] => ('childNodes' in n ? n.childNodes : []);
/** Every element named `tag` under `n`, in document order. */
function elements(n: Node, tag: string): Element[] {
  return children(n).flatMap((c) => [
    ...('tagName' in c && c.tagName === tag ? [c] : []),
    ...elements(c, tag),
  ]);
}
const text = (n: Node): string =>
  'value' in n && n.nodeName === '#text' ? n.value : children(n).map(text).join('').trim();
const attr = (e: Element | undefined, name: string) => e?.attrs.find((x) => x.name === name)?.value;

const a = specWith({}).autoscaling;
const report = () =>
  runSimulations({
    traces: [standardTrace('spike', a)],
    policies: [{ name: 'spec', autoscaling: a }, parsePolicyArg('lean={"targetValue":450}', a)],
    capacity: { rps: 10, source: 'test' },
    price: { instanceType: 'ml.m5.large', usdPerHour: 0.115, source: 'test' },
    startupSeconds: 300,
    metricDelaySeconds: 60,
  });

describe('simulation report', () => {
  it('has one table row per policy and the difference of two', () => {
    const md = renderMarkdown(report());
    expect(md).toMatch(/^\| spec \| /m);
    expect(md).toMatch(/^\| lean \| /m);
    expect(md).toMatch(/^\| \*\*lean − spec\*\* \| /m);
    expect(md).toContain('ml.m5.large at $0.115/h');
  });

  it('renders the same bytes for the same input (Markdown, HTML, JSON)', () => {
    const [x, y] = [report(), report()];
    expect(renderMarkdown(x)).toBe(renderMarkdown(y));
    expect(renderHtml(x)).toBe(renderHtml(y));
    expect(JSON.stringify(x)).toBe(JSON.stringify(y));
  });

  it('renders its tables as HTML tables (no Markdown left) and each chart on an axis that shows it', () => {
    const r = report();
    const doc = parse(renderHtml(r));
    const tables = elements(doc, 'table');
    expect(tables).toHaveLength(1);
    const rows = elements(tables[0] as Element, 'tr').map((tr) => [
      ...elements(tr, 'th').map(text),
      ...elements(tr, 'td').map(text),
    ]);
    expect(rows[0]).toEqual([
      'policy',
      'instance-hours',
      '$ period',
      '$ / 1,000 inferences',
      'minutes over capacity',
      'requests over capacity',
      'scale-outs / -ins',
      'peak instances',
    ]);
    expect(rows.slice(1).map((x) => x[0])).toEqual(['spec', 'lean', 'lean − spec']);
    expect(elements(doc, 'pre')).toEqual([]);
    expect(text(elements(doc, 'body')[0] as Element)).not.toMatch(/\|---|\*\*/);

    const charts = new Map(elements(doc, 'svg').map((svg) => [attr(svg, 'data-chart'), svg]));
    const peak = Math.max(...r.results.map((x) => x.peakInService));
    const instancesMax = Number(attr(charts.get('spike-instances'), 'data-y-max'));
    expect(instancesMax).toBeGreaterThanOrEqual(peak);
    expect(instancesMax).toBeLessThanOrEqual(2 * a.maxInstances);
  });

  it('draws load, capacity and instances as inline SVG', () => {
    const html = renderHtml(report());
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html).toContain('capacity (lean)');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });
});

describe('parsePolicyArg', () => {
  it('merges onto the spec policy and validates with the spec schema, naming the field', () => {
    expect(parsePolicyArg('big={"maxInstances":8}', a).autoscaling).toMatchObject({
      maxInstances: 8,
      minInstances: 1,
    });
    expect(() => parsePolicyArg('bad={"minInstances":9}', a)).toThrow(
      /--policy bad: autoscaling\.maxInstances/,
    );
    expect(() => parsePolicyArg('{"x":1}', a)).toThrow(/name=JSON/);
  });
});
