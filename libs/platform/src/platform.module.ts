import { Global, Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { EventStore } from '@baseliner/event-store';
import { AdminTokenGuard } from './auth/admin-token.guard';
import { CLOCK, systemClock, type Clock } from './clock';
import type { AppConfig } from './config/configuration';
import { SECRETS, type Secrets } from './config/secrets';
import { HealthController } from './health/health.controller';
import { HttpErrorFilter } from './http/http-error.filter';
import { OpenApiController } from './http/openapi.controller';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics/metrics';
import { ReadinessChecks } from './health/readiness';
import { EventStoreModule } from './event-store/event-store.module';
import { MetricsController } from './metrics/metrics.controller';

export const APP_CONFIG = Symbol('APP_CONFIG');

export interface PlatformOptions {
  config: AppConfig;
  secrets: Secrets;
  clock?: Clock;
  /** An already open store (tests, benchmarks); by default the one BASELINER_EVENT_STORE names. */
  eventStore?: EventStore;
  /** The app only reads events (the projector alone): it does not take the store's single-writer lock. */
  readsOnly?: boolean;
}

/** Configuration, secrets, the clock, the event store, health, OpenAPI and error mapping. */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        TerminusModule.forRoot({ logger: false }),
        EventStoreModule.forRoot({ config: options.config, eventStore: options.eventStore, readsOnly: options.readsOnly }),
      ],
      controllers: [HealthController, OpenApiController, MetricsController],
      providers: [
        { provide: APP_CONFIG, useValue: options.config },
        { provide: SECRETS, useValue: options.secrets },
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
        AdminTokenGuard,
        ReadinessChecks,
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
      exports: [APP_CONFIG, SECRETS, CLOCK, EventStoreModule, METRICS_REGISTRY, AdminTokenGuard, ReadinessChecks],
    };
  }
}
