export * from './control.module';
export * from './commands/deployment.commands';
export * from './commands/viewer-token.commands';
export * from './queries/stream.queries';
export * from './registry/deployment-registry.service';
