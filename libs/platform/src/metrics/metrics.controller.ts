import { Controller, Get, Header, Inject, Optional } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { CACHED_METRICS, METRICS_REGISTRY, type CachedMetrics } from './metrics';

@Controller()
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Optional() @Inject(CACHED_METRICS) private readonly cached?: CachedMetrics,
  ) {}

  /** Small live part (counters, process) rendered now; the per-deployment part was rendered at evaluation. */
  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    const live = await this.registry.metrics();
    return this.cached ? `${live}\n${this.cached.text()}` : live;
  }
}
