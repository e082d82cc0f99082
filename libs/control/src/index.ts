export * from './control.module';
export * from './ingest-key';
export * from './registry/deployment-registry.service';
