import { gaugeChart, heatmap, histogramChart, lineChart, valueAxis, type AxisKind } from './charts';

const labelsOf = (kind: AxisKind, max: number, ticks = 6) => {
  const axis = valueAxis(kind, max, ticks);
  return axis.ticks.map((t) => axis.label(t));
};

/** Numbers in an SVG path's d, as [x, y] pairs where they come in pairs, and every single coordinate otherwise. */
function coordinates(svg: string, variant: 'wide' | 'narrow'): { width: number; height: number; xs: number[]; ys: number[] } {
  const drawing = svg.match(new RegExp(`<svg class="${variant}" viewBox="0 0 (\\d+) (\\d+)"[^>]*>(.*?)</svg>`, 's'));
  if (!drawing) throw new Error(`no ${variant} drawing`);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [, d] of (drawing[3] as string).matchAll(/ d="([^"]+)"/g)) {
    for (const [, command, args] of (d as string).matchAll(/([MLHVZh])([^MLHVZh]*)/g)) {
      const numbers = (args as string).trim().split(/[ ,]+/).filter(Boolean).map(Number);
      if (command === 'M' || command === 'L') {
        xs.push(numbers[0] as number);
        ys.push(numbers[1] as number);
      } else if (command === 'H') xs.push(...numbers);
      else if (command === 'V') ys.push(...numbers);
    }
  }
  for (const [, x, y] of (drawing[3] as string).matchAll(/<text[^>]* x="([\d.-]+)" y="([\d.-]+)"/g)) {
    xs.push(Number(x));
    ys.push(Number(y));
  }
  return { width: Number(drawing[1]), height: Number(drawing[2]), xs, ys };
}

describe('valueAxis', () => {
  it('counts in whole numbers, never the same label twice ("0, 1, 1, 2, 2" was 2 users on 5 ticks)', () => {
    for (const max of [0, 1, 2, 3, 7, 11, 12, 20, 21, 99, 1234]) {
      const labels = labelsOf('count', max);
      expect(labels.every((l) => /^\d+$/.test(l))).toBe(true);
      expect(new Set(labels).size).toBe(labels.length);
      expect(Number(labels[labels.length - 1])).toBeGreaterThanOrEqual(max);
    }
    expect(labelsOf('count', 2)).toEqual(['0', '1', '2']);
  });

  it('draws shares from 0 to at most 100% in round steps (not 105% with ticks at 8.4%, 17%, 34%)', () => {
    for (const max of [0, 0.001, 0.03, 0.084, 0.34, 0.5, 0.79, 0.95, 1, 1.05]) {
      const labels = labelsOf('share', max);
      expect(labels.every((l) => /^\d+(\.\d+)?%$/.test(l) && parseFloat(l) <= 100)).toBe(true);
      expect(new Set(labels).size).toBe(labels.length);
    }
    expect(labelsOf('share', 1)).toEqual(['0%', '20%', '40%', '60%', '80%', '100%']);
    expect(labelsOf('share', 1.05)).toEqual(['0%', '20%', '40%', '60%', '80%', '100%']);
    expect(labelsOf('share', 0.34, 5)).toEqual(['0%', '10%', '20%', '30%', '40%']);
  });

  it('writes each tick with the decimals it needs, and durations in one unit', () => {
    expect(labelsOf('ratio', 0.024, 5)).toEqual(['0%', '1%', '2%', '3%']);
    expect(labelsOf('ratio', 0.012, 6)).toEqual(['0%', '0.25%', '0.5%', '0.75%', '1%', '1.25%']);
    expect(labelsOf('duration', 600, 6)).toEqual(['0 min', '2 min', '4 min', '6 min', '8 min', '10 min']);
    expect(labelsOf('duration', 600, 5)).toEqual(['0 min', '2.5 min', '5 min', '7.5 min', '10 min']);
    expect(labelsOf('duration', 45, 5)).toEqual(['0 s', '20 s', '40 s', '60 s']);
    expect(labelsOf('usd', 5.2, 6)).toEqual(['$0', '$2', '$4', '$6']);
    expect(labelsOf('usd', 0.9, 5)).toEqual(['$0.00', '$0.25', '$0.50', '$0.75', '$1.00']);
  });
});

describe('lineChart', () => {
  const days = Array.from({ length: 70 }, (_, i) => 20_000 + i);

  it('keeps every line, label and marker inside its box, in both drawings', () => {
    const chart = lineChart({
      label: 'test',
      y: 'share',
      series: [{ name: 'share', tone: 't-now', points: days.map((x, i) => ({ x, y: i < 28 ? 0 : 1 })) }],
      targets: [{ y: 0.5, label: 'target: ≥ 50%' }],
      markers: [
        { x: days[28] as number, label: 'go-live' },
        { x: days[69] as number, label: 'rolled back at the very end' },
      ],
      spans: [{ from: days[28] as number, to: days[35] as number, label: 'ramp-up' }],
    }).text;
    for (const variant of ['wide', 'narrow'] as const) {
      const { width, height, xs, ys } = coordinates(chart, variant);
      expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...xs)).toBeLessThanOrEqual(width);
      expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...ys)).toBeLessThanOrEqual(height);
    }
    // The marker label near the right edge is drawn to the left of its line.
    expect(chart).toMatch(/<text class="marker-label" x="[\d.]+" y="[\d.]+">rolled back at the very end<\/text>/);
    expect(chart).toContain('data-y="share"');
  });

  it('draws a day alone between gaps as a dot, and says when there is nothing to draw', () => {
    const dot = lineChart({ label: 'dot', y: 'ratio', series: [{ name: 'r', tone: 't-now', points: [{ x: 1, y: null }, { x: 2, y: 0.1 }, { x: 3, y: null }] }] }).text;
    expect(dot).toMatch(/d="M[\d.]+ [\d.]+h0\.1"/);
    expect(lineChart({ label: 'none', y: 'ratio', series: [{ name: 'r', tone: 't-now', points: [{ x: 1, y: null }] }] }).text).toContain('No data to draw yet');
  });
});

describe('histogramChart', () => {
  it('draws each outline from zero at its first edge to zero at its last, inside the box', () => {
    const edges = [10, 20, 40, 80, 160];
    const chart = histogramChart({ label: 'h', edges, series: [{ name: 'b', tone: 't-base', shares: [0.1, 0.2, 0.3, 0.4] }] }).text;
    const [d] = [...chart.matchAll(/<path class="line t-base" d="([^"]+)"/g)].map((m) => m[1] as string);
    // Starts on the zero line, ends on it: no tail cut off at the edge.
    const start = d?.match(/^M([\d.]+) ([\d.]+)/);
    expect(d?.endsWith(`V${start?.[2]}`)).toBe(true);
    const { width, xs } = coordinates(chart, 'wide');
    expect(Math.max(...xs)).toBeLessThan(width - 12);
  });
});

describe('gaugeChart and heatmap', () => {
  it('draws a share with its target, and a grid with a legend of its shades', () => {
    const gauge = gaugeChart({ label: 'g', value: 0.2, lower: 0.1, upper: 0.4, valueLabel: '2 of 10', target: { value: 0.3, label: 'target: ≤ 30%' } }).text;
    expect(gauge).toContain('path class="bar t-now"');
    expect(gauge).toContain('target: ≤ 30%');
    const grid = heatmap({ label: 'h', rows: ['Mon'], columns: ['00', '01'], cells: [[{ level: 0, title: 'a' }, { level: 5, title: 'b' }]], legend: [{ level: 0, label: 'no tasks' }, { level: 5, label: 'errors up to 9%' }] }).text;
    expect(grid).toContain('<span class="swatch h5"></span>errors up to 9%');
  });
});
