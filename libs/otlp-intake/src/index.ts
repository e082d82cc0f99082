export * from './otlp-intake.module';
export * from './otlp-mapping';
export * from './otlp-responses';
export { OtlpProtobuf } from './otlp-protobuf';
