import { Controller, Get, Header, Inject, Optional, StreamableFile, UseGuards } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { Registry } from 'prom-client';
import { CACHED_METRICS, METRICS_REGISTRY, type CachedMetrics } from './metrics';
import { MetricsTokenGuard } from './metrics-token.guard';

@Controller()
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Optional() @Inject(CACHED_METRICS) private readonly cached?: CachedMetrics,
  ) {}

  /**
   * The small live part (counters, lag, process) is rendered now; the per-deployment part was
   * rendered and encoded at evaluation and is streamed as is, without copying.
   */
  @Get('metrics')
  @UseGuards(MetricsTokenGuard)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<StreamableFile> {
    const live = Buffer.from(await this.registry.metrics());
    const parts = this.cached ? [live, this.cached.exposition()] : [live];
    return new StreamableFile(Readable.from(parts), { type: 'text/plain; version=0.0.4; charset=utf-8' });
  }
}
