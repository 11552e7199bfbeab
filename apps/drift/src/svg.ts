/**
 * A grouped bar chart as inline SVG (no script, no library): one group per bin, one bar per series, shares on a
 * 0-100 % axis. Series are told apart by a pattern-free colour and by the legend's words; values are also in the
 * tables beside each chart.
 */
import { escapeHtml as esc } from '@dogbreed/html-report';

export interface BarChart {
  readonly title: string;
  readonly labels: readonly string[];
  /** Values in 0..1, one per label. */
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
}

const COLOURS = ['#4c78a8', '#f58518', '#54a24b'];

export function barChartSvg(c: BarChart): string {
  const plotH = 180;
  const top = 30;
  const left = 44;
  const labelH = 110;
  const bar = 12;
  const groupW = bar * c.series.length + 10;
  const width = left + Math.max(1, c.labels.length) * groupW + 20;
  const height = top + plotH + labelH;
  const max = Math.max(0.01, ...c.series.flatMap((s) => s.values));
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" role="img" aria-label="${esc(c.title)}" font-family="sans-serif" font-size="10">`,
    `<text x="${left}" y="14" font-size="12">${esc(c.title)}</text>`,
  ];
  c.series.forEach((s, i) =>
    parts.push(
      `<rect x="${width - 160 + i * 75}" y="6" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${width - 146 + i * 75}" y="15">${esc(s.name)}</text>`,
    ),
  );
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 4}" y="${y(v) + 3}" text-anchor="end">${(v * 100).toFixed(0)}%</text>`,
    );
  }
  c.labels.forEach((label, g) => {
    const x0 = left + g * groupW + 5;
    c.series.forEach((s, i) => {
      const v = s.values[g] ?? 0;
      parts.push(
        `<rect x="${x0 + i * bar}" y="${y(v)}" width="${bar - 1}" height="${top + plotH - y(v)}" fill="${COLOURS[i % COLOURS.length]}"><title>${esc(`${label} ${s.name}: ${(v * 100).toFixed(1)} %`)}</title></rect>`,
      );
    });
    const lx = x0 + (bar * c.series.length) / 2;
    const ly = top + plotH + 8;
    parts.push(
      `<text x="${lx}" y="${ly}" transform="rotate(60 ${lx} ${ly})">${esc(label.length > 22 ? `${label.slice(0, 21)}…` : label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
