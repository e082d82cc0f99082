export * from './formats';
export * from './cloud-event.schema';
export * from './control-api.schema';
export * from './criteria';
export * from './validation';
export * from './scorecard.schema';
export * from './openapi';
