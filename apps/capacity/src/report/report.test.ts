import { describe, expect, it } from 'vitest';
import { specWith } from '@dogbreed/testing';
import { runSimulations } from '../run.js';
import { standardTrace } from '../traces.js';
import { parsePolicyArg } from '../policies.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

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
