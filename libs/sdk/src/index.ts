export * from './events';
export { BaselinerClient } from './client';
export { DeliveryError, QueueFullError, type DeliveryProblem } from './errors';
export type { AbortSignalLike, BaselinerClientOptions, ClientStats, CloseOptions, FetchFunction, FlushOptions, Rejection, ShutdownSignal } from './options';
