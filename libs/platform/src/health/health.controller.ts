import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { ReadinessChecks } from './readiness';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readiness: ReadinessChecks,
  ) {}

  /**
   * Liveness: the process answers, and nothing it needs is beyond repair. A dead writer thread
   * never comes back, so it fails liveness too (an orchestrator restarts the process) rather than
   * leaving readiness red for ever behind a green liveness.
   */
  @Get('healthz')
  @HealthCheck()
  live(@Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.health.check([
      () => {
        const indicator = this.indicators.check('eventStore');
        try {
          this.store.checkAlive();
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: `the event store needs a restart (${(error as Error).name})` });
        }
      },
    ]));
  }

  /** Readiness: the event store reads, its last commit did not fail, and every module's condition holds. */
  @Get('readyz')
  @HealthCheck()
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    return answer(reply, this.health.check([
      () => {
        const failing = this.readiness.failing();
        const indicator = this.indicators.check('startup');
        return Object.keys(failing).length === 0 ? indicator.up() : indicator.down(failing);
      },
      async () => {
        const indicator = this.indicators.check('eventStore');
        try {
          await this.store.checkHealth();
          return indicator.up({ head: await this.store.headPosition() });
        } catch (error) {
          // No raw driver text for unauthenticated callers: the logs and metrics have the detail.
          return indicator.down({ message: `the event store is unavailable (${(error as Error).name})` });
        }
      },
    ]));
  }
}

/**
 * A failing check as a 503 with Terminus's result (which check, and why) as the body, as the API
 * document describes it. Thrown, it would reach the app's error filter, which answers every
 * HTTP exception with a generic message (the reasons lost) and logs each probe as a failed request.
 */
async function answer(reply: FastifyReply, check: Promise<HealthCheckResult>): Promise<unknown> {
  try {
    return await check;
  } catch (error) {
    if (!(error instanceof ServiceUnavailableException)) throw error;
    void reply.status(503);
    return error.getResponse();
  }
}
