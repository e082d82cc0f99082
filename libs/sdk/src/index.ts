export * from './events';
export * from './client';
