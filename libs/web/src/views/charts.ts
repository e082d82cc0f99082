import { dayToIsoDate, weekdayIndex } from '@baseliner/analytics';
import { escapeHtml as escapeText, html, raw, type SafeHtml } from '../html';

// Charts are SVG drawn on the server: no script, no chart library to ship, nothing from a CDN,
// and a page of them weighs a few kilobytes. Each has an accessible name and a legend.
//
// Each chart is drawn twice, for a wide and a narrow box (the stylesheet shows one: a phone gets
// the narrow one, so its ticks are read at their own size, not shrunk to half). Axes are what a
// person expects: counts in whole numbers, shares from 0 to at most 100%, round steps, no label
// twice on an axis, and every line, label and marker inside its box.

/** What the y values are: a share (0–1, shown to at most 100%), another ratio, a count, dollars or seconds. */
export type AxisKind = 'share' | 'ratio' | 'count' | 'usd' | 'duration';

interface Geometry {
  variant: 'wide' | 'narrow';
  width: number;
  height: number;
  font: number;
  /** At most this many labels on each axis. */
  xTicks: number;
  yTicks: number;
}

const WIDE: Geometry = { variant: 'wide', width: 560, height: 220, font: 11, xTicks: 7, yTicks: 6 };
const NARROW: Geometry = { variant: 'narrow', width: 340, height: 210, font: 11, xTicks: 4, yTicks: 5 };
const GEOMETRIES = [WIDE, NARROW];

const fmt = (value: number) => (Math.round(value * 10) / 10).toString();
/** A generous estimate of a label's width in the chart's units (system-ui digits are about 0.55 em). */
const textWidth = (text: string, font: number) => text.length * font * 0.62;

/** Decimals needed to write multiples of `step` exactly (0.25 → 2, 5 → 0). */
function decimalsOf(step: number): number {
  for (let d = 0; d < 8; d += 1) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 8;
}

/** The smallest round step (1, 2, 2.5, 5 × 10^k) that covers `max` in at most `intervals` steps. */
function roundStep(max: number, intervals: number, options: { integer?: boolean } = {}): number {
  for (let e = -6; e <= 12; e += 1) {
    for (const m of [1, 2, 2.5, 5]) {
      const step = m * 10 ** e;
      if (options.integer && (step < 1 || m === 2.5)) continue;
      if (Math.ceil(max / step - 1e-9) <= intervals) return step;
    }
  }
  return max;
}

export interface Axis {
  /** Where the axis ends (the last tick). */
  max: number;
  ticks: number[];
  label: (value: number) => string;
}

/**
 * A y axis from 0 with round steps: whole numbers for counts, percentages up to 100% for shares,
 * seconds, minutes or hours for durations. Every tick's label is different.
 */
export function valueAxis(kind: AxisKind, dataMax: number, maxTicks: number): Axis {
  const intervals = Math.max(1, maxTicks - 1);
  const build = (top: number, step: number, scale: number, label: (value: number, decimals: number) => string): Axis => {
    const count = Math.max(1, Math.ceil(top / step - 1e-9));
    const ticks = Array.from({ length: count + 1 }, (_, i) => Number(((i * step) / scale).toPrecision(12)));
    // Each tick with the decimals it needs ("0 min, 2.5 min, 5 min"): the step keeps them apart.
    return { max: ticks[ticks.length - 1] as number, ticks, label: (value) => label(value * scale, decimalsOf(Number((value * scale).toFixed(decimalsOf(step))))) };
  };
  const positive = Number.isFinite(dataMax) && dataMax > 0;
  switch (kind) {
    case 'count': {
      const top = positive ? Math.max(1, dataMax) : 1;
      return build(top, roundStep(top, intervals, { integer: true }), 1, (v) => String(Math.round(v)));
    }
    case 'share':
    case 'ratio': {
      // In percent; a share never past 100% (100 is a multiple of every round step up to 50).
      const top = positive ? (kind === 'share' ? Math.min(dataMax, 1) : dataMax) * 100 : 10;
      return build(top, roundStep(top, intervals), 100, (v, d) => `${v.toFixed(d)}%`);
    }
    case 'usd': {
      const top = positive ? dataMax : 1;
      const step = roundStep(top, intervals);
      return build(top, step, 1, (v, d) => `$${v.toFixed(step < 1 ? Math.max(2, d) : d)}`);
    }
    case 'duration': {
      const top = positive ? dataMax : 60;
      const [unit, name] = top < 120 ? [1, 's'] : top < 7200 ? [60, 'min'] : [3600, 'h'];
      return build(top / unit, roundStep(top / unit, intervals), 1 / unit, (v, d) => `${v.toFixed(d)} ${name}`);
    }
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A local day number as "Oct 26". */
export function dayLabel(day: number): string {
  const [, month, date] = dayToIsoDate(day).split('-');
  return `${MONTHS[Number(month) - 1]} ${Number(date)}`;
}

/** Day ticks: every day, every other day, or weekly on Mondays (every 1, 2, 4 … weeks), at most `maxTicks`. */
function dayTicks(from: number, to: number, maxTicks: number): number[] {
  for (const step of [1, 2, 7, 14, 28, 56, 91, 182, 364, 728]) {
    let first = from;
    if (step >= 7) while (weekdayIndex(first) !== 0) first += 1;
    const ticks: number[] = [];
    for (let day = first; day <= to; day += step) ticks.push(day);
    if (ticks.length <= maxTicks) return ticks;
  }
  return [from, to];
}

/** A duration tick as people write it: "500 ms", "30 s", "2 min", "1.5 h". */
export function durationLabel(value: number): string {
  if (value < 1) return `${Number((value * 1000).toPrecision(3))} ms`;
  if (value < 60) return `${Number(value.toPrecision(3))} s`;
  if (value < 3600) return `${Number((value / 60).toPrecision(3))} min`;
  return `${Number((value / 3600).toPrecision(3))} h`;
}

const ROUND_DURATIONS = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 18000, 36000, 86400,
];

/** Round durations within [from, to] on a log axis, at most `maxTicks`, spread evenly. */
function durationTicks(from: number, to: number, maxTicks: number): number[] {
  const inside = ROUND_DURATIONS.filter((v) => v >= from && v <= to);
  if (inside.length === 0) return [Math.sqrt(from * to)];
  const every = Math.ceil(inside.length / maxTicks);
  return inside.filter((_, i) => i % every === 0);
}

export interface LineSeries {
  name: string;
  /** CSS class giving the stroke colour (see pages.css). */
  tone: string;
  points: { x: number; y: number | null }[];
  dashed?: boolean;
  /** A thinner line, for context behind the main one. */
  thin?: boolean;
}

export interface LineChartOptions {
  label: string;
  series: LineSeries[];
  /** What the y values are, for the axis. */
  y: AxisKind;
  /** A horizontal band, e.g. the baseline's interval. */
  band?: { lower: number; upper: number; label: string };
  /** Horizontal lines a criterion must stay below or reach. */
  targets?: { y: number; label: string }[];
  /** Vertical markers, e.g. go-live. */
  markers?: { x: number; label: string }[];
  /** Shaded spans, e.g. the ramp-up. */
  spans?: { from: number; to: number; label: string }[];
}

interface Frame {
  g: Geometry;
  left: number;
  right: number;
  top: number;
  bottom: number;
  X: (x: number) => number;
  Y: (y: number) => number;
  parts: string[];
}

/** The plot area, the y axis with its grid, and the x labels. */
function frame(g: Geometry, axis: Axis, x: { from: number; to: number; log?: boolean; ticks: number[]; label: (x: number) => string }): Frame {
  const yLabels = axis.ticks.map((t) => axis.label(t));
  const left = Math.ceil(Math.max(...yLabels.map((l) => textWidth(l, g.font)))) + 10;
  const right = g.width - 12;
  const top = 10;
  const bottom = g.height - g.font - 12;
  const tx = x.log ? Math.log : (v: number) => v;
  const [x0, x1] = [tx(x.from), tx(x.to)];
  const X = (v: number) => left + (x1 > x0 ? ((tx(v) - x0) / (x1 - x0)) * (right - left) : (right - left) / 2);
  const Y = (v: number) => bottom - (Math.min(Math.max(v, 0), axis.max) / axis.max) * (bottom - top);
  const parts: string[] = [];
  axis.ticks.forEach((t, i) => {
    parts.push(`<line class="grid" x1="${left}" x2="${right}" y1="${fmt(Y(t))}" y2="${fmt(Y(t))}"/>`);
    parts.push(`<text class="tick y" x="${left - 5}" y="${fmt(Y(t) + g.font * 0.35)}" text-anchor="end">${escapeText(yLabels[i] as string)}</text>`);
  });
  // X labels centred on their tick, kept inside the box; one that would touch its neighbour is left out.
  let lastEnd = -Infinity;
  for (const tick of x.ticks) {
    const text = x.label(tick);
    const w = textWidth(text, g.font);
    const centre = Math.min(Math.max(X(tick), w / 2 + 2), g.width - w / 2 - 2);
    if (centre - w / 2 < lastEnd + 6) continue;
    lastEnd = centre + w / 2;
    parts.push(`<text class="tick x" x="${fmt(centre)}" y="${g.height - 6}" text-anchor="middle">${escapeText(text)}</text>`);
  }
  return { g, left, right, top, bottom, X, Y, parts };
}

/** Marker lines with their labels at the top, inside the plot: flipped left near the right edge, a row lower where they would collide. */
function drawMarkers(f: Frame, markers: { x: number; label: string }[], from: number, to: number): void {
  const rows: { from: number; to: number }[][] = [[], []];
  for (const marker of markers) {
    if (marker.x < from || marker.x > to) continue;
    const x = f.X(marker.x);
    f.parts.push(`<line class="marker" x1="${fmt(x)}" x2="${fmt(x)}" y1="${f.top}" y2="${f.bottom}"><title>${escapeText(marker.label)}</title></line>`);
    const w = textWidth(marker.label, f.g.font - 1);
    const start = x + 3 + w <= f.right ? x + 3 : x - 3 - w;
    const row = rows.findIndex((taken) => taken.every((r) => start + w + 4 < r.from || start > r.to + 4));
    if (row < 0) continue;
    rows[row]?.push({ from: start, to: start + w });
    f.parts.push(`<text class="marker-label" x="${fmt(start)}" y="${fmt(f.top + (f.g.font - 1) * (row + 1) + 1)}">${escapeText(marker.label)}</text>`);
  }
}

function svg(g: Geometry, label: string, kind: AxisKind, parts: string[], height = g.height): string {
  return `<svg class="${g.variant}" viewBox="0 0 ${g.width} ${height}" role="img" aria-label="${escapeText(label)}" data-y="${kind}">${parts.join('')}</svg>`;
}

function legendOf(items: { name: string; tone: string; dashed?: boolean }[], extra: SafeHtml[] = []): SafeHtml {
  return html`<figcaption>${items.map((s) => html`<span class="key ${s.tone}${s.dashed ? ' dashed' : ''}">${s.name}</span>`)}${extra}</figcaption>`;
}

/** A line per series over days (x = local day number), with the baseline band, targets, markers and spans. */
export function lineChart(options: LineChartOptions): SafeHtml {
  const all = options.series.flatMap((s) => s.points);
  const drawn = all.filter((p) => p.y !== null);
  if (all.length === 0 || drawn.length === 0) return html`<p class="empty">No data to draw yet.</p>`;
  const xs = all.map((p) => p.x);
  const from = Math.min(...xs);
  const to = Math.max(...xs) > from ? Math.max(...xs) : from + 1;
  const ys = [...drawn.map((p) => p.y as number), ...(options.targets ?? []).map((t) => t.y)];
  if (options.band) ys.push(options.band.upper);
  const variants = GEOMETRIES.map((g) => {
    const axis = valueAxis(options.y, Math.max(...ys.filter(Number.isFinite)), g.yTicks);
    const f = frame(g, axis, { from, to, ticks: dayTicks(from, to, g.xTicks), label: dayLabel });
    const plot: string[] = [];
    for (const span of options.spans ?? []) {
      const a = f.X(Math.max(span.from, from));
      const b = f.X(Math.min(span.to, to));
      if (b > a) plot.push(`<rect class="span" x="${fmt(a)}" y="${f.top}" width="${fmt(b - a)}" height="${f.bottom - f.top}"><title>${escapeText(span.label)}</title></rect>`);
    }
    if (options.band) {
      const top = f.Y(options.band.upper);
      plot.push(`<rect class="band" x="${f.left}" y="${fmt(top)}" width="${f.right - f.left}" height="${fmt(Math.max(1, f.Y(options.band.lower) - top))}"><title>${escapeText(options.band.label)}</title></rect>`);
    }
    f.parts.unshift(...plot);
    for (const target of options.targets ?? []) {
      f.parts.push(`<line class="target" x1="${f.left}" x2="${f.right}" y1="${fmt(f.Y(target.y))}" y2="${fmt(f.Y(target.y))}"><title>${escapeText(target.label)}</title></line>`);
    }
    drawMarkers(f, options.markers ?? [], from, to);
    for (const series of options.series) {
      let d = '';
      let run = 0;
      for (const point of series.points) {
        if (point.y === null || !Number.isFinite(point.y)) {
          // A day standing alone between gaps is drawn as a dot.
          if (run === 1) d += 'h0.1';
          run = 0;
          continue;
        }
        d += `${run === 0 ? 'M' : 'L'}${fmt(f.X(point.x))} ${fmt(f.Y(point.y))}`;
        run += 1;
      }
      if (run === 1) d += 'h0.1';
      if (d) f.parts.push(`<path class="line ${series.tone}${series.dashed ? ' dashed' : ''}${series.thin ? ' thin' : ''}" d="${d}"><title>${escapeText(series.name)}</title></path>`);
    }
    return svg(g, options.label, options.y, f.parts);
  });
  const extra: SafeHtml[] = [];
  for (const target of options.targets ?? []) extra.push(html`<span class="key target-key">${target.label}</span>`);
  if (options.band) extra.push(html`<span class="key band-key">${options.band.label}</span>`);
  if ((options.spans ?? []).length > 0) extra.push(html`<span class="key span-key">${(options.spans ?? []).map((s) => s.label).join(', ')}</span>`);
  return html`<figure class="chart">
${raw(variants.join('\n'))}
${legendOf(options.series, extra)}
</figure>`;
}

export interface HistogramOptions {
  label: string;
  /** Bin edges in seconds (log-spaced); bin i is (edges[i], edges[i + 1]]. */
  edges: number[];
  series: { name: string; tone: string; dashed?: boolean; shares: number[] }[];
}

/** Shares of tasks per duration bin, each series an outline that starts and ends at zero inside the box. */
export function histogramChart(options: HistogramOptions): SafeHtml {
  const { edges } = options;
  if (edges.length < 2 || options.series.every((s) => s.shares.every((v) => v === 0))) return html`<p class="empty">No data to draw yet.</p>`;
  // One empty bin's width of room on each side, so each outline visibly comes down to zero.
  const binRatio = (edges[1] as number) / (edges[0] as number);
  const from = (edges[0] as number) / binRatio;
  const to = (edges[edges.length - 1] as number) * binRatio;
  const max = Math.max(...options.series.flatMap((s) => s.shares));
  const variants = GEOMETRIES.map((g) => {
    const axis = valueAxis('share', max, g.yTicks);
    const f = frame(g, axis, { from, to, log: true, ticks: durationTicks(from, to, g.xTicks), label: durationLabel });
    for (const series of options.series) {
      let d = `M${fmt(f.X(edges[0] as number))} ${fmt(f.Y(0))}`;
      series.shares.forEach((share, i) => {
        d += `V${fmt(f.Y(share))}H${fmt(f.X(edges[i + 1] as number))}`;
      });
      d += `V${fmt(f.Y(0))}`;
      f.parts.push(`<path class="line ${series.tone}${series.dashed ? ' dashed' : ''}" d="${d}"><title>${escapeText(series.name)}</title></path>`);
    }
    return svg(g, options.label, 'share', f.parts);
  });
  return html`<figure class="chart">
${raw(variants.join('\n'))}
${legendOf(options.series)}
</figure>`;
}

export interface GaugeOptions {
  label: string;
  /** A share in [0, 1] with its interval. */
  value: number;
  lower?: number | null;
  upper?: number | null;
  valueLabel: string;
  target?: { value: number; label: string };
}

/** One share now, as a bar from 0 to 100% with its interval and the target: for a criterion that has no daily history (reversion). */
export function gaugeChart(options: GaugeOptions): SafeHtml {
  const variants = GEOMETRIES.map((g) => {
    const height = 74;
    const left = 10;
    const right = g.width - 16;
    const X = (v: number) => left + Math.min(Math.max(v, 0), 1) * (right - left);
    const parts: string[] = [];
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      parts.push(`<line class="grid" x1="${fmt(X(t))}" x2="${fmt(X(t))}" y1="8" y2="44"/>`);
      const text = `${t * 100}%`;
      const w = textWidth(text, g.font);
      const centre = Math.min(Math.max(X(t), w / 2 + 2), g.width - w / 2 - 2);
      parts.push(`<text class="tick x" x="${fmt(centre)}" y="${height - 14}" text-anchor="middle">${text}</text>`);
    }
    const { lower, upper } = options;
    if (typeof lower === 'number' && typeof upper === 'number' && Number.isFinite(lower) && Number.isFinite(upper)) {
      parts.push(`<rect class="band" x="${fmt(X(lower))}" y="12" width="${fmt(Math.max(1, X(upper) - X(lower)))}" height="28"><title>95% interval</title></rect>`);
    }
    parts.push(`<path class="bar t-now" d="M${fmt(X(0))} 18H${fmt(Math.max(X(options.value), X(0) + 1))}V34H${fmt(X(0))}Z"><title>${escapeText(options.valueLabel)}</title></path>`);
    if (options.target) {
      const x = X(options.target.value);
      parts.push(`<line class="target" x1="${fmt(x)}" x2="${fmt(x)}" y1="6" y2="46"><title>${escapeText(options.target.label)}</title></line>`);
    }
    return svg(g, options.label, 'share', parts, height);
  });
  const extra: SafeHtml[] = [];
  if (options.lower !== undefined && options.lower !== null) extra.push(html`<span class="key band-key">95% interval</span>`);
  if (options.target) extra.push(html`<span class="key target-key">${options.target.label}</span>`);
  return html`<figure class="chart gauge">
${raw(variants.join('\n'))}
${legendOf([{ name: options.valueLabel, tone: 't-now' }], extra)}
</figure>`;
}

export interface HeatmapOptions {
  label: string;
  rows: string[];
  columns: string[];
  /** Each cell's shade (0 = none … 5 = darkest) and its text. */
  cells: { level: number; title: string }[][];
  /** What each shade means, lightest first. */
  legend: { level: number; label: string }[];
}

/** A grid of shaded cells (weekday × hour), each titled with its numbers, with a legend of the shades. */
export function heatmap(options: HeatmapOptions): SafeHtml {
  const variants = [
    { variant: 'wide', cellW: 22, cellH: 18, left: 40, every: 3, font: 10 },
    { variant: 'narrow', cellW: 13, cellH: 16, left: 34, every: 6, font: 10 },
  ].map(({ variant, cellW, cellH, left, every, font }) => {
    const top = 16;
    const parts: string[] = [];
    options.columns.forEach((column, c) => {
      if (c % every === 0) parts.push(`<text class="tick" x="${left + c * cellW + cellW / 2}" y="${top - 4}" text-anchor="middle">${escapeText(column)}</text>`);
    });
    options.rows.forEach((row, r) => {
      parts.push(`<text class="tick" x="${left - 4}" y="${top + r * cellH + font + 2}" text-anchor="end">${escapeText(row)}</text>`);
      (options.cells[r] ?? []).forEach((cell, c) => {
        const level = Math.min(5, Math.max(0, Math.round(cell.level)));
        parts.push(`<rect class="heat h${level}" x="${left + c * cellW}" y="${top + r * cellH}" width="${cellW - 2}" height="${cellH - 2}"><title>${escapeText(cell.title)}</title></rect>`);
      });
    });
    const width = left + options.columns.length * cellW + 4;
    const height = top + options.rows.length * cellH + 4;
    return `<svg class="${variant}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeText(options.label)}">${parts.join('')}</svg>`;
  });
  return html`<figure class="chart heatmap">
${raw(variants.join('\n'))}
<figcaption class="heat-legend">${options.legend.map((entry) => html`<span class="swatch-key"><span class="swatch h${entry.level}"></span>${entry.label}</span>`)}</figcaption>
</figure>`;
}
