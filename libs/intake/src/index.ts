export * from './actor-pseudonymiser';
export * from './intake.module';
export * from './intake.service';
export * from './intake.metrics';
export * from './telemetry-event-id';
export * from './token-bucket';
export * from './intake-core.module';
