/**
 * A small inline-SVG step chart (no CDN, no script) for per-minute series, with a dashed limit line. The y axis is
 * rounded up from the chart's own series (its maximum on the element as `data-y-max`, for tests and tools).
 */
import { escapeHtml as esc, formatTick as fmt, niceAxis } from '@dogbreed/html-report';

export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
  readonly dashed?: boolean;
}

export function stepChart(o: {
  title: string;
  /** `data-chart` on the svg element: a stable name for tests and the screenshot script. */
  id?: string;
  yLabel: string;
  series: readonly ChartSeries[];
  limit?: { value: number; label: string };
}): string {
  // Two side by side on a 1,300 px page draw at about this size, so their text stays readable.
  const W = 560;
  const H = 260;
  const m = { l: 56, r: 12, t: 44, b: 30 };
  const n = Math.max(1, ...o.series.map((s) => s.values.length));
  const axis = niceAxis(Math.max(o.limit ? o.limit.value * 1.15 : 0, ...o.series.flatMap((s) => s.values)));
  const yMax = axis.max;
  const x = (i: number) => (m.l + (i / n) * (W - m.l - m.r)).toFixed(1);
  const y = (v: number) => (H - m.b - (v / yMax) * (H - m.t - m.b)).toFixed(1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}"` +
      `${o.id ? ` data-chart="${esc(o.id)}"` : ''} data-y-max="${yMax}">`,
    `<text x="${m.l}" y="18" font-size="13" font-family="sans-serif" font-weight="bold">${esc(o.title)}</text>`,
  ];
  for (let v = 0; v <= yMax + 1e-9; v += axis.step) {
    parts.push(
      `<line x1="${m.l}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#eee"/>` +
        `<text x="${m.l - 6}" y="${Number(y(v)) + 4}" font-size="10" text-anchor="end" font-family="sans-serif">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#888"/><line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#888"/>`,
    `<text x="${m.l}" y="${H - 8}" font-size="10" font-family="sans-serif">0 min</text>`,
    `<text x="${W - m.r}" y="${H - 8}" font-size="10" text-anchor="end" font-family="sans-serif">${n} min — ${esc(o.yLabel)}</text>`,
  );
  if (o.limit) {
    parts.push(
      `<line x1="${m.l}" y1="${y(o.limit.value)}" x2="${W - m.r}" y2="${y(o.limit.value)}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${W - m.r}" y="${Number(y(o.limit.value)) - 4}" font-size="10" text-anchor="end" fill="#c00" font-family="sans-serif">${esc(o.limit.label)}</text>`,
    );
  }
  let lx = m.l + 8;
  for (const s of o.series) {
    if (s.values.length) {
      let d = `M${x(0)},${y(s.values[0] as number)}`;
      s.values.forEach((v, i) => {
        if (i > 0) d += ` H${x(i)} V${y(v)}`;
      });
      d += ` H${x(s.values.length)}`;
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ''}><title>${esc(s.label)}</title></path>`,
      );
    }
    parts.push(
      `<rect x="${lx}" y="${m.t - 18}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${m.t - 9}" font-size="11" font-family="sans-serif">${esc(s.label)}</text>`,
    );
    lx += 24 + s.label.length * 6.2;
  }
  parts.push('</svg>');
  return parts.join('');
}
