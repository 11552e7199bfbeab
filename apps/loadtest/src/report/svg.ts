/**
 * Small inline-SVG charts (no CDN, no script): step lines with a dashed limit line and optional bars. The y axis is
 * scaled to the chart's own series and limit, so one chart never squeezes a small series under a large one (the
 * caller draws those apart); the axis maximum is on the element (`data-y-max`) for tests and tools.
 */
import { escapeHtml as esc, formatTick as fmt, niceAxis } from '@dogbreed/html-report';

export interface Series {
  label: string;
  points: { t: number; value: number }[];
  color: string;
  /** Draw as bars instead of a step line. */
  bars?: boolean;
}

export interface ChartOptions {
  title: string;
  yLabel: string;
  /** `data-chart` on the svg element: a stable name for tests and the screenshot script. */
  id?: string;
  /** Horizontal dashed line, e.g. maxInstances or the reserved concurrency. */
  limit?: { value: number; label: string };
  markers?: { t: number; label: string }[];
  width?: number;
  height?: number;
}

export function chartSvg(series: Series[], o: ChartOptions): string {
  const W = o.width ?? 720;
  const H = o.height ?? 280;
  const m = { l: 58, r: 16, t: 50, b: 36 };
  const all = series.flatMap((s) => s.points);
  const ts = [...all.map((p) => p.t), ...(o.markers ?? []).map((x) => x.t)];
  const t0 = ts.length ? Math.min(...ts) : 0;
  const t1 = ts.length ? Math.max(...ts) : 1;
  const span = Math.max(1, t1 - t0);
  // Headroom above the limit line keeps its label and a series running at the limit readable.
  const axis = niceAxis(Math.max(o.limit ? o.limit.value * 1.2 : 0, ...all.map((p) => p.value)));
  const yMax = axis.max;
  const x = (t: number) => m.l + ((t - t0) / span) * (W - m.l - m.r);
  const y = (v: number) => H - m.b - (v / yMax) * (H - m.t - m.b);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}"` +
      `${o.id ? ` data-chart="${esc(o.id)}"` : ''} data-y-max="${yMax}">`,
  );
  parts.push(`<title>${esc(o.title)}</title>`);
  parts.push(
    `<text x="${m.l}" y="18" font-size="14" font-family="sans-serif" font-weight="bold">${esc(o.title)}</text>`,
  );
  for (let v = 0; v <= yMax + 1e-9; v += axis.step) {
    parts.push(
      `<line x1="${m.l}" y1="${y(v)}" x2="${W - m.r}" y2="${y(v)}" stroke="#eee"/>` +
        `<text x="${m.l - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end" font-family="sans-serif">${fmt(v)}</text>`,
    );
  }
  parts.push(`<line x1="${m.l}" y1="${H - m.b}" x2="${W - m.r}" y2="${H - m.b}" stroke="#888"/>`);
  parts.push(`<line x1="${m.l}" y1="${m.t}" x2="${m.l}" y2="${H - m.b}" stroke="#888"/>`);
  const yMid = (m.t + H - m.b) / 2;
  parts.push(
    `<text x="14" y="${yMid}" font-size="11" text-anchor="middle" font-family="sans-serif" transform="rotate(-90 14 ${yMid})">${esc(o.yLabel)}</text>`,
  );
  parts.push(`<text x="${m.l}" y="${H - 12}" font-size="11" font-family="sans-serif">0 s</text>`);
  parts.push(
    `<text x="${W - m.r}" y="${H - 12}" font-size="11" text-anchor="end" font-family="sans-serif">${(span / 1000).toFixed(1)} s</text>`,
  );
  if (o.limit) {
    parts.push(
      `<line class="limit" x1="${m.l}" y1="${y(o.limit.value)}" x2="${W - m.r}" y2="${y(o.limit.value)}" stroke="#c00" stroke-dasharray="6 4"/>`,
    );
    parts.push(
      `<text x="${W - m.r}" y="${y(o.limit.value) - 4}" font-size="11" text-anchor="end" fill="#c00" font-family="sans-serif">${esc(o.limit.label)}</text>`,
    );
  }
  for (const mk of o.markers ?? []) {
    parts.push(
      `<line class="marker" x1="${x(mk.t)}" y1="${m.t}" x2="${x(mk.t)}" y2="${H - m.b}" stroke="#999" stroke-dasharray="2 3"><title>${esc(mk.label)}</title></line>`,
    );
  }
  for (const s of series) {
    const pts = [...s.points].sort((a, b) => a.t - b.t);
    if (s.bars) {
      const bw = Math.max(2, (W - m.l - m.r) / Math.max(20, pts.length * 2));
      for (const p of pts) {
        if (p.value <= 0) continue;
        parts.push(
          `<rect x="${x(p.t) - bw / 2}" y="${y(p.value)}" width="${bw}" height="${H - m.b - y(p.value)}" fill="${s.color}" opacity="0.6"><title>${esc(s.label)}: ${p.value}</title></rect>`,
        );
      }
    } else if (pts.length) {
      let d = `M${x((pts[0] as { t: number }).t).toFixed(1)},${y((pts[0] as { value: number }).value).toFixed(1)}`;
      for (let i = 1; i < pts.length; i++) {
        const p = pts[i] as { t: number; value: number };
        const prev = pts[i - 1] as { value: number };
        d += ` L${x(p.t).toFixed(1)},${y(prev.value).toFixed(1)} L${x(p.t).toFixed(1)},${y(p.value).toFixed(1)}`;
      }
      parts.push(
        `<path class="series" d="${d}" fill="none" stroke="${s.color}" stroke-width="2"><title>${esc(s.label)}</title></path>`,
      );
    }
  }
  // The legend sits between the title and the plot, where no series can cover it.
  let lx = m.l;
  for (const s of series) {
    parts.push(
      `<rect x="${lx}" y="${m.t - 20}" width="10" height="10" fill="${s.color}"/><text x="${lx + 14}" y="${m.t - 11}" font-size="11" font-family="sans-serif">${esc(s.label)}</text>`,
    );
    lx += 28 + s.label.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}
