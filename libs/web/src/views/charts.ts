import { escapeHtml as escapeText, html, raw, type SafeHtml } from '../html';

// Charts are SVG drawn on the server: no script, no chart library to ship, nothing from a CDN,
// and a page of them weighs a few kilobytes. Each has an accessible name and a text summary.

const WIDTH = 640;
const HEIGHT = 200;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

export interface LineSeries {
  name: string;
  /** CSS class giving the stroke colour (see pages.css). */
  tone: string;
  points: { x: number; y: number | null }[];
  dashed?: boolean;
  /** Draw as steps (histograms) rather than straight segments. */
  step?: boolean;
}

export interface LineChartOptions {
  label: string;
  series: LineSeries[];
  /** A horizontal band, e.g. the baseline's interval. */
  band?: { lower: number; upper: number; label: string };
  /** Vertical markers, e.g. go-live. */
  markers?: { x: number; label: string }[];
  /** Shaded spans, e.g. the ramp-up. */
  spans?: { from: number; to: number; label: string }[];
  formatY: (y: number) => string;
  formatX: (x: number) => string;
  /** Where the y axis starts; defaults to 0. */
  yMin?: number;
  logX?: boolean;
}

const fmt = (value: number) => (Math.round(value * 10) / 10).toString();

export function lineChart(options: LineChartOptions): SafeHtml {
  const all = options.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.flatMap((p) => (p.y === null ? [] : [p.y]));
  if (options.band) ys.push(options.band.lower, options.band.upper);
  if (xs.length === 0 || ys.length === 0) return html`<p class="empty">No data to draw yet.</p>`;
  const tx = options.logX ? Math.log : (x: number) => x;
  const xMin = tx(Math.min(...xs));
  const xMax = tx(Math.max(...xs));
  const yMin = options.yMin ?? Math.min(0, ...ys);
  const yMax = Math.max(...ys) > yMin ? Math.max(...ys) * 1.05 : yMin + 1;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const X = (x: number) => PAD.left + (xMax > xMin ? ((tx(x) - xMin) / (xMax - xMin)) * innerW : innerW / 2);
  const Y = (y: number) => PAD.top + innerH - ((y - yMin) / (yMax - yMin)) * innerH;

  const parts: string[] = [];
  for (const span of options.spans ?? []) {
    const from = X(Math.max(span.from, Math.min(...xs)));
    const to = X(Math.min(span.to, Math.max(...xs)));
    if (to > from) parts.push(`<rect class="span" x="${fmt(from)}" y="${PAD.top}" width="${fmt(to - from)}" height="${innerH}"><title>${escapeText(span.label)}</title></rect>`);
  }
  if (options.band) {
    const top = Y(options.band.upper);
    parts.push(
      `<rect class="band" x="${PAD.left}" y="${fmt(top)}" width="${innerW}" height="${fmt(Math.max(1, Y(options.band.lower) - top))}"><title>${escapeText(options.band.label)}</title></rect>`,
    );
  }
  // Axes and ticks: four on y, up to six on x.
  for (let i = 0; i <= 4; i += 1) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${fmt(Y(y))}" y2="${fmt(Y(y))}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 4}" y="${fmt(Y(y) + 4)}" text-anchor="end">${escapeText(options.formatY(y))}</text>`);
  }
  const uniqueXs = [...new Set(xs)].sort((a, b) => a - b);
  const step = Math.max(1, Math.ceil(uniqueXs.length / 6));
  for (let i = 0; i < uniqueXs.length; i += step) {
    const x = uniqueXs[i] as number;
    parts.push(`<text class="tick" x="${fmt(X(x))}" y="${HEIGHT - 8}" text-anchor="middle">${escapeText(options.formatX(x))}</text>`);
  }
  for (const marker of options.markers ?? []) {
    if (marker.x < Math.min(...xs) || marker.x > Math.max(...xs)) continue;
    parts.push(
      `<line class="marker" x1="${fmt(X(marker.x))}" x2="${fmt(X(marker.x))}" y1="${PAD.top}" y2="${PAD.top + innerH}"><title>${escapeText(marker.label)}</title></line>`,
      `<text class="marker-label" x="${fmt(X(marker.x) + 3)}" y="${PAD.top + 10}">${escapeText(marker.label)}</text>`,
    );
  }
  for (const series of options.series) {
    let d = '';
    let pen = false;
    for (const point of series.points) {
      if (point.y === null) {
        pen = false;
        continue;
      }
      const x = fmt(X(point.x));
      const y = fmt(Y(point.y));
      if (!pen) d += `M${x} ${y}`;
      else d += series.step ? `H${x}V${y}` : `L${x} ${y}`;
      pen = true;
    }
    if (d) parts.push(`<path class="line ${series.tone}${series.dashed ? ' dashed' : ''}" d="${d}"><title>${escapeText(series.name)}</title></path>`);
  }
  const legend = options.series.map((s) => html`<span class="key ${s.tone}${s.dashed ? ' dashed' : ''}">${s.name}</span>`);
  const bandKey = options.band ? html`<span class="key band-key">${options.band.label}</span>` : '';
  return html`<figure class="chart">
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.label}">${raw(parts.join(''))}</svg>
<figcaption>${legend}${bandKey}</figcaption>
</figure>`;
}

export interface HeatmapOptions {
  label: string;
  rows: string[];
  columns: string[];
  /** Cell value in [0, 1] for the shade, and its text. */
  cells: { shade: number; title: string }[][];
}

/** A grid of shaded cells (weekday × hour), each titled with its numbers. */
export function heatmap(options: HeatmapOptions): SafeHtml {
  const cellW = 22;
  const cellH = 18;
  const left = 40;
  const top = 16;
  const parts: string[] = [];
  options.columns.forEach((column, c) => {
    if (c % 3 === 0) parts.push(`<text class="tick" x="${left + c * cellW + cellW / 2}" y="${top - 4}" text-anchor="middle">${escapeText(column)}</text>`);
  });
  options.rows.forEach((row, r) => {
    parts.push(`<text class="tick" x="${left - 4}" y="${top + r * cellH + 13}" text-anchor="end">${escapeText(row)}</text>`);
    (options.cells[r] ?? []).forEach((cell, c) => {
      const level = Math.min(5, Math.max(0, Math.round(cell.shade * 5)));
      parts.push(`<rect class="heat h${level}" x="${left + c * cellW}" y="${top + r * cellH}" width="${cellW - 2}" height="${cellH - 2}"><title>${escapeText(cell.title)}</title></rect>`);
    });
  });
  const width = left + options.columns.length * cellW + 4;
  const height = top + options.rows.length * cellH + 4;
  return html`<figure class="chart heatmap">
<svg viewBox="0 0 ${width} ${height}" role="img" aria-label="${options.label}">${raw(parts.join(''))}</svg>
</figure>`;
}

