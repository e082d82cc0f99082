export * from './kafka-message';
export * from './kafka-intake.settings';
export { deadLetterTopic, type DeadLetterReason } from './dead-letters';
export * from './kafka-intake.runner';
export * from './kafka-intake.module';
