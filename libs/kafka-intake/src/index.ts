export * from './kafka-message';
export * from './kafka-intake.runner';
export * from './kafka-intake.module';
