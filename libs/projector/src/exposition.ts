/**
 * Prometheus text exposition (format 0.0.4) for the per-deployment gauges, written by hand on
 * purpose: prom-client renders a whole registry in one synchronous pass, which with 1,000
 * deployments (~75,000 series) blocked the event loop for hundreds of milliseconds. Here each
 * deployment's lines are rendered on their own (in the projector's evaluation chunks) and a
 * scrape only joins cached strings, grouped by metric family as the format requires.
 */
export interface GaugeFamily {
  name: string;
  help: string;
  labels: readonly string[];
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Lines of one deployment, per family, in the order they were added. */
export class SeriesWriter {
  private readonly byFamily = new Map<string, string[]>();

  /** Adds one series; NaN ("no data") is left out. */
  gauge(family: GaugeFamily, labelValues: readonly string[], value: number): void {
    if (Number.isNaN(value)) return;
    const labels = family.labels.map((name, i) => `${name}="${escapeLabelValue(labelValues[i] ?? '')}"`).join(',');
    let lines = this.byFamily.get(family.name);
    if (!lines) this.byFamily.set(family.name, (lines = []));
    lines.push(`${family.name}{${labels}} ${formatValue(value)}`);
  }

  /** Each family's lines as one block of text. */
  blocks(): Map<string, string> {
    return new Map([...this.byFamily].map(([name, lines]) => [name, lines.join('\n')]));
  }

  get seriesCount(): number {
    let count = 0;
    for (const lines of this.byFamily.values()) count += lines.length;
    return count;
  }
}

/**
 * Deployments' blocks joined family by family, each family once with its HELP and TYPE: one
 * piece of text per family, so a caller can encode them one at a time between other work.
 */
export function* expositionByFamily(families: readonly GaugeFamily[], deployments: Iterable<Map<string, string>>): Generator<string> {
  const perFamily = new Map<string, string[]>(families.map((f) => [f.name, []]));
  for (const blocks of deployments) {
    for (const [name, block] of blocks) perFamily.get(name)?.push(block);
  }
  for (const family of families) {
    const blocks = perFamily.get(family.name) as string[];
    if (blocks.length === 0) continue;
    yield `# HELP ${family.name} ${family.help}\n# TYPE ${family.name} gauge\n${blocks.join('\n')}\n`;
  }
}

export function assembleExposition(families: readonly GaugeFamily[], deployments: Iterable<Map<string, string>>): string {
  return [...expositionByFamily(families, deployments)].join('');
}
