// @kurrent/kurrentdb-client is an optional peer dependency (docs/design-notes.md, "A lighter
// install"): most installs do not have it, and the build must not need it. So the part of the
// client this library uses is declared here, and the package itself is loaded only when a
// KurrentDB store is opened. kurrentdb-client.int.spec.ts checks these declarations against the
// real package wherever it is installed.

/** The client and the version this library is written against (package.json's peer dependency). */
export const KURRENTDB_CLIENT = { name: '@kurrent/kurrentdb-client', version: '1.3.1' } as const;

/** A position in `$all`. */
export interface Position {
  commit: bigint;
  prepare: bigint;
}
export type ReadPosition = 'start' | 'end' | Position;
export type ReadRevision = 'start' | 'end' | bigint;
export type Direction = 'forwards' | 'backwards';
export type JSONType = Record<string | number, unknown> | unknown[] | string;

/** An event as stored (the client's RecordedEvent). */
export interface StoredEvent {
  streamId: string;
  id: string;
  revision: bigint;
  type: string;
  created: Date;
  data: unknown;
  metadata: unknown;
  /** Absent from stream reads of servers older than 22.6. */
  position?: Position;
}

export interface ResolvedEvent {
  event?: StoredEvent;
}

export interface AllStreamResolvedEvent {
  event?: StoredEvent & { position: Position };
}

/** An event to append, as `jsonEvent` builds it. */
export interface EventData {
  id: string;
  type: string;
}

/** A server-side filter of `$all`, as `streamNameFilter` builds it. */
export interface Filter {
  filterOn: string;
}

/** A catch-up subscription: a readable stream of resolved events. */
export interface AllStreamSubscription {
  on(event: 'data', listener: (resolved: AllStreamResolvedEvent) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'end', listener: () => void): this;
  pause(): this;
  resume(): this;
  isPaused(): boolean;
  unsubscribe(): Promise<void>;
  destroy(): this;
}

/** The client's methods this library calls: the unit tests hand in a stand-in with the same surface. */
export interface KurrentDbClient {
  appendToStream(
    streamName: string,
    events: EventData | EventData[],
    options?: { streamState?: 'any' | 'no_stream' | 'stream_exists' | bigint },
  ): Promise<{ nextExpectedRevision: bigint; position?: Position }>;
  readStream(streamName: string, options?: { fromRevision?: ReadRevision; direction?: Direction; maxCount?: number | bigint }): AsyncIterable<ResolvedEvent>;
  readAll(options?: { fromPosition?: ReadPosition; direction?: Direction; maxCount?: number | bigint; filter?: Filter }): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: { fromPosition?: ReadPosition; filter?: Filter }): AllStreamSubscription;
  setStreamMetadata(streamName: string, metadata: { maxCount?: number }): Promise<unknown>;
  dispose(): Promise<void>;
}

/** What the client says when it fails a call; `type` is one of ErrorType's values. */
export interface CommandError extends Error {
  type: string;
}

/** The module's values this library uses. */
export interface KurrentDbClientModule {
  KurrentDBClient: { connectionString(connectionString: string): KurrentDbClient };
  jsonEvent(event: { id?: string; type: string; data: JSONType; metadata?: JSONType }): EventData;
  streamNameFilter(options: { regex: string }): Filter;
  isCommandError(error: Error): error is CommandError;
  WrongExpectedVersionError: abstract new (...args: never[]) => Error;
  StreamNotFoundError: abstract new (...args: never[]) => Error;
  ErrorType: {
    UNAVAILABLE: string;
    DEADLINE_EXCEEDED: string;
    TIMEOUT: string;
    NOT_LEADER: string;
    CANCELLED: string;
    UNKNOWN: string;
  };
}

/** The chosen engine's client is not installed; the message says what to install. */
export class KurrentDbClientMissingError extends Error {
  override readonly name = 'KurrentDbClientMissingError';
}

let loaded: KurrentDbClientModule | undefined;

/** The client, loaded on first use; a clear error when it is not installed. */
export function kurrentDb(): KurrentDbClientModule {
  if (loaded) return loaded;
  const { name, version } = KURRENTDB_CLIENT;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when KurrentDB is used
    loaded = require(name) as KurrentDbClientModule;
  } catch (error) {
    if (!isMissingModule(error, name)) throw error;
    throw new KurrentDbClientMissingError(
      `BASELINER_EVENT_STORE=kurrentdb needs ${name}, which is not installed (it is optional, for the few who use KurrentDB): npm install --save-prod ${name}@${version}`,
      { cause: error },
    );
  }
  return loaded;
}

/** True when `error` says that `name` itself cannot be found (not one of its own dependencies). */
function isMissingModule(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && typeof message === 'string' && message.startsWith(`Cannot find module '${name}'`);
}
