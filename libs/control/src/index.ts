export * from './control.module';
export * from './registry/deployment-registry.service';
