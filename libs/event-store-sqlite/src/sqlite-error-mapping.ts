import { EventStoreUnavailableError } from '@baseliner/event-store';
import { isStoreFailure } from './sqlite-store-failure';

/** Runs a read; a store failure becomes the port's EventStoreUnavailableError (503, retry later). */
export function guardRead<T>(operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (isStoreFailure(error)) {
      throw new EventStoreUnavailableError(`The event store could not be read: ${(error as Error).message}`, error);
    }
    throw error;
  }
}

/** A group the writer thread could not commit: a store failure (e.g. a full disk) is retryable, anything else is a bug. */
export function commitFailure(reply: { message: string; storeFailure: boolean }): Error {
  return reply.storeFailure ? new EventStoreUnavailableError(`The event store could not commit: ${reply.message}`) : new Error(reply.message);
}

/** The writer thread is gone (crashed or exited): only a restart brings the store back. */
export function writerStopped(error: Error): EventStoreUnavailableError {
  return error instanceof EventStoreUnavailableError ? error : new EventStoreUnavailableError(`The event store writer stopped: ${error.message}`, error);
}
