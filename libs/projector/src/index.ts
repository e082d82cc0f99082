export * from './projection-state';
export * from './snapshot-store';
export * from './shards';
export * from './deployment-metrics';
export * from './exposition';
export * from './projector.service';
export * from './projector.module';
