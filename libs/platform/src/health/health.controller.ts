import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /**
   * Liveness: the process answers, and nothing it needs is beyond repair. A dead writer thread
   * never comes back, so it fails liveness too (an orchestrator restarts the process) rather than
   * leaving readiness red for ever behind a green liveness.
   */
  @Get('healthz')
  @HealthCheck()
  live() {
    return this.health.check([
      () => {
        const indicator = this.indicators.check('eventStore');
        try {
          this.store.checkAlive();
          return indicator.up();
        } catch (error) {
          return indicator.down({ message: `the event store needs a restart (${(error as Error).name})` });
        }
      },
    ]);
  }

  /** Readiness: the event store reads and its last commit did not fail. */
  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check([
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
    ]);
  }
}
