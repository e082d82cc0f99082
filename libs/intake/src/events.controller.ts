import { Body, Controller, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { IntakeResponse } from '@baseliner/contracts';
import { ApiError, CLOCK, type Clock } from '@baseliner/platform';
import { IngestKeyGuard, type AuthenticatedIngest, type IngestRequest } from './ingest-key.guard';
import { IntakeMetrics } from './intake.metrics';
import { IntakeRequestError, IntakeService } from './intake.service';

@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly intake: IntakeService,
    private readonly metrics: IntakeMetrics,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** 202 when nothing was rejected, 207 when some events were (the rest are stored). */
  @Post()
  @UseGuards(IngestKeyGuard)
  async post(@Req() request: IngestRequest, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply): Promise<IntakeResponse> {
    const { deploymentId } = request.ingest as AuthenticatedIngest;
    try {
      // In the server's turns (see EventLoopTurns): validation in slices, so the event loop keeps
      // accepting connections and answering probes while a batch is worked through.
      const clientGone = () => request.raw.socket?.destroyed ?? false;
      const outcome = await this.intake.ingest(deploymentId, body, this.clock.now(), clientGone, request.server.eventLoopTurns);
      this.metrics.record(outcome);
      void reply.status(outcome.rejected.length ? 207 : 202);
      return { accepted: outcome.accepted, duplicates: outcome.duplicates, rejected: outcome.rejected };
    } catch (error) {
      if (error instanceof IntakeRequestError) throw new ApiError(error.status, error.code, error.message);
      throw error;
    }
  }
}
