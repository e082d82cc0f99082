import type { CloudEvent } from './events';
import { abortableSleep } from './retry';

// The declarations shipped with the SDK name no Node.js types (no @types/node needed to use it):
// the types below are the platform's own where the consumer's project knows them (Node or DOM
// types), else the part of them the client uses.

/** `fetch` as the client calls it: the global fetch's type where the project has one. */
export type FetchFunction = typeof globalThis extends { fetch: infer F }
  ? F
  : (
      url: string,
      init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignalLike },
    ) => Promise<{ status: number; headers: { get(name: string): string | null }; json(): Promise<unknown> }>;

/** An AbortSignal: the global one's type where the project has one. */
export type AbortSignalLike = typeof globalThis extends { AbortSignal: { prototype: infer S } }
  ? S
  : {
      readonly aborted: boolean;
      addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
      removeEventListener(type: 'abort', listener: () => void): void;
    };

/** A process signal, as Node.js names them (the same names as NodeJS.Signals). */
export type ShutdownSignal =
  | 'SIGABRT' | 'SIGALRM' | 'SIGBUS' | 'SIGCHLD' | 'SIGCONT' | 'SIGFPE' | 'SIGHUP' | 'SIGILL' | 'SIGINT' | 'SIGIO'
  | 'SIGIOT' | 'SIGKILL' | 'SIGPIPE' | 'SIGPOLL' | 'SIGPROF' | 'SIGPWR' | 'SIGQUIT' | 'SIGSEGV' | 'SIGSTKFLT'
  | 'SIGSTOP' | 'SIGSYS' | 'SIGTERM' | 'SIGTRAP' | 'SIGTSTP' | 'SIGTTIN' | 'SIGTTOU' | 'SIGUNUSED' | 'SIGURG'
  | 'SIGUSR1' | 'SIGUSR2' | 'SIGVTALRM' | 'SIGWINCH' | 'SIGXCPU' | 'SIGXFSZ' | 'SIGBREAK' | 'SIGLOST' | 'SIGINFO';

export interface Rejection {
  event: CloudEvent;
  reason: string;
  message: string;
}

export interface BaselinerClientOptions {
  /** Base URL of Baseliner, e.g. http://localhost:3000 */
  url: string;
  /** The deployment's ingest key (`blk_…`). */
  ingestKey: string;
  deployment: string;
  /** This system or instance, e.g. `doc-review/eu-1`: with the event id, the idempotency key. */
  source: string;
  /** Events per request (at most 1,000). Default 500. */
  batchSize?: number;
  /** A partial batch is sent after this long. Default 1,000 ms. */
  flushIntervalMs?: number;
  /** Events held in memory at most. Default 10,000. */
  maxQueue?: number;
  /** When the queue is full: `reject` throws QueueFullError from the call (default); `drop-oldest` makes room. */
  whenFull?: 'reject' | 'drop-oldest';
  /** Attempts per batch before giving up on it. Default 12 (with the defaults below, about 75 s of backoff on average, 2.5 min at most). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  /**
   * How long `close()` (and the shutdown hooks of `flushOnShutdown()`) wait for the queue to be
   * delivered before giving up on what is left and reporting it to `onError`. Default 10,000 ms.
   */
  closeTimeoutMs?: number;
  /**
   * Events the server refused, with its reason (a 207). Not retried: they would be refused again.
   * Default: a warning on stderr, once per reason.
   */
  onRejected?: (rejections: Rejection[]) => void;
  /**
   * Events given up: a permanent error (401, 403, 400, 404, 413, 415), attempts exhausted, or
   * `close()` timed out. The error is a DeliveryError. Default: a warning on stderr, once per
   * distinct problem (and once, while retrying, when the server cannot be reached).
   */
  onError?: (error: Error, events: CloudEvent[]) => void;
  fetch?: FetchFunction;
  now?: () => Date;
  random?: () => number;
  /** Waits between attempts; `signal` aborts when a bounded close() or flush() gives up. */
  sleep?: (ms: number, signal?: AbortSignalLike) => Promise<void>;
}

export interface ClientStats {
  queued: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  /** Events given up: permanent errors, attempts exhausted, or left when `close()` timed out. */
  failed: number;
  retries: number;
}

export interface FlushOptions {
  /** Give up on what is not delivered after this long (reported to `onError`). Default: wait as long as retries go on. */
  timeoutMs?: number;
}

export interface CloseOptions {
  /** Give up on what is not delivered after this long (reported to `onError`). Default `closeTimeoutMs` (10 s). */
  timeoutMs?: number;
}

/** The options with every default filled in (handlers apart). */
export type ClientSettings = Required<Omit<BaselinerClientOptions, 'onRejected' | 'onError'>>;

/** Checks the options (a TypeError naming what is missing) and fills in the defaults. */
export function settingsOf(options: BaselinerClientOptions): ClientSettings {
  checkOptions(options);
  const batchSize = options.batchSize ?? 500;
  if (batchSize < 1 || batchSize > 1000) throw new RangeError('batchSize must be from 1 to 1000');
  const { onRejected: _onRejected, onError: _onError, ...rest } = options;
  return {
    batchSize,
    flushIntervalMs: 1_000,
    maxQueue: 10_000,
    whenFull: 'reject',
    maxAttempts: 12,
    baseDelayMs: 250,
    maxDelayMs: 30_000,
    requestTimeoutMs: 10_000,
    closeTimeoutMs: 10_000,
    fetch: globalThis.fetch.bind(globalThis),
    now: () => new Date(),
    random: Math.random,
    sleep: abortableSleep,
    ...withoutUndefined(rest),
    ingestKey: options.ingestKey,
    deployment: options.deployment,
    source: options.source,
    url: options.url.replace(/\/+$/, ''),
  };
}

function checkOptions(options: BaselinerClientOptions): void {
  const missing = (name: string, hint: string) =>
    new TypeError(`BaselinerClient: the ${name} option is missing or empty: ${hint}`);
  if (!options || typeof options !== 'object') throw new TypeError('BaselinerClient needs options: { url, ingestKey, deployment, source }');
  if (typeof options.url !== 'string' || options.url.trim() === '') throw missing('url', "Baseliner's base URL, e.g. http://localhost:3000 (is BASELINER_URL set?)");
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new TypeError(`BaselinerClient: url "${options.url}" is not a URL: give Baseliner's base URL, e.g. http://localhost:3000`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`BaselinerClient: url "${options.url}" must start with http:// or https://`);
  }
  if (typeof options.ingestKey !== 'string' || options.ingestKey.trim() === '') {
    throw missing('ingestKey', "the deployment's ingest key, blk_… (is BASELINER_INGEST_KEY set?)");
  }
  if (typeof options.deployment !== 'string' || options.deployment === '') throw missing('deployment', 'the id of the deployment the events are about');
  if (typeof options.source !== 'string' || options.source === '') throw missing('source', 'this system or instance, e.g. doc-review/eu-1');
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
