import { Gauge, type Registry } from 'prom-client';
import { METRIC_NAMES } from '@baseliner/contracts';

/** The projector's own gauges, read at scrape time. */
export function registerProjectorGauges(
  registry: Registry,
  read: { lagSeconds(): Promise<number>; heldShards(): number; shardCount: number },
): void {
  new Gauge({
    name: METRIC_NAMES.projectionLag,
    help: 'Age of the oldest stored event not yet projected (0 when caught up)',
    registers: [registry],
    async collect() {
      this.set(await read.lagSeconds());
    },
  });
  new Gauge({
    name: METRIC_NAMES.projectorShards,
    help: `Shards of deployments this projector holds (of ${METRIC_NAMES.projectorShardsConfigured})`,
    registers: [registry],
    collect() {
      this.set(read.heldShards());
    },
  });
  new Gauge({
    name: METRIC_NAMES.projectorShardsConfigured,
    help: 'Shards the deployments are split into (BASELINER_PROJECTOR_SHARDS)',
    registers: [registry],
    collect() {
      this.set(read.shardCount);
    },
  });
}
