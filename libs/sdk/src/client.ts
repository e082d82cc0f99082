import { toCloudEvent, type CloudEvent, type Common, type TaskCompleted } from './events';

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

export class QueueFullError extends Error {
  constructor(limit: number) {
    super(`Baseliner client queue is full (${limit} events): the server is unreachable or too slow; retry later or raise maxQueue`);
    this.name = 'QueueFullError';
  }
}

/**
 * What went wrong with a delivery:
 * - `unauthorized`: the server refused the ingest key (401/403); not retried.
 * - `unreachable`: no answer (connection refused, unknown host, timeout) after every attempt.
 * - `refused`: another answer that a retry cannot change (400, 404, 413, 415…).
 * - `unavailable`: the server kept answering 429 or 5xx until the attempts ran out.
 * - `not_delivered`: `close()` (or a flush with a timeout) gave up on what was still queued.
 */
export type DeliveryProblem = 'unauthorized' | 'unreachable' | 'refused' | 'unavailable' | 'not_delivered';

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly problem: DeliveryProblem,
    /** The URL the events were for. */
    readonly url: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeliveryError';
  }
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

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

type Settings = Required<Omit<BaselinerClientOptions, 'onRejected' | 'onError'>>;

/**
 * Sends adoption and outcome events to Baseliner: batched by size and time, retried with
 * exponential backoff and full jitter on 429/503/network errors (honouring Retry-After), each
 * event's id fixed at creation so a retry is a duplicate on the server, never a second event.
 */
export class BaselinerClient {
  readonly stats: ClientStats = { queued: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, failed: 0, retries: 0 };
  private readonly options: Settings;
  private readonly onRejected: (rejections: Rejection[]) => void;
  private readonly onError: (error: Error, events: CloudEvent[]) => void;
  private readonly userHandlesErrors: boolean;
  private readonly endpoint: string;
  private queue: CloudEvent[] = [];
  private inFlight: CloudEvent[] | undefined;
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Aborted when a bounded flush gives up: stops the request and the backoff in progress. */
  private giveUp = new AbortController();
  /** The most recent failed attempt, for the message when close() gives up. */
  private lastProblem: DeliveryError | undefined;
  /** Problems the default handlers have already warned about: each is said once per client. */
  private readonly warned = new Set<string>();

  constructor(options: BaselinerClientOptions) {
    checkOptions(options);
    const batchSize = options.batchSize ?? 500;
    if (batchSize < 1 || batchSize > 1000) throw new RangeError('batchSize must be from 1 to 1000');
    const { onRejected, onError, ...rest } = options;
    this.options = {
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
    this.endpoint = `${this.options.url}/v1/events`;
    this.onRejected = onRejected ?? ((rejections) => this.warnRejections(rejections));
    this.onError = onError ?? ((error) => this.warnError(error));
    this.userHandlesErrors = onError !== undefined;
  }

  private context() {
    return { source: this.options.source, deployment: this.options.deployment, now: this.options.now };
  }

  taskCompleted(task: TaskCompleted): CloudEvent {
    const { time, id, ...data } = task;
    return this.track(toCloudEvent('task.completed', data, { time, id }, this.context()));
  }
  aiUsed(event: Common & { actor: string; feature?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.used', data, { time, id }, this.context()));
  }
  aiOverridden(event: Common & { actor: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.overridden', data, { time, id }, this.context()));
  }
  aiDisabled(event: Common & { actor?: string; scope?: 'user' | 'team' | 'all' } = {}): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.disabled', data, { time, id }, this.context()));
  }
  aiEnabled(event: Common & { actor?: string; scope?: 'user' | 'team' | 'all' } = {}): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.enabled', data, { time, id }, this.context()));
  }
  escalationRaised(event: Common & { to: 'operator' | 'builder'; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('escalation.raised', data, { time, id }, this.context()));
  }
  errorDownstream(event: Common & { stage: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('error.downstream', data, { time, id }, this.context()));
  }
  feedbackGiven(event: Common & { score: 1 | 2 | 3 | 4 | 5; actor?: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('feedback.given', data, { time, id }, this.context()));
  }

  /** Queues any CloudEvent. Throws QueueFullError when full and `whenFull` is `reject`. */
  track(event: CloudEvent): CloudEvent {
    if (this.closed) throw new Error('Baseliner client is closed: create a new client to send more events');
    if (this.queue.length >= this.options.maxQueue) {
      if (this.options.whenFull === 'reject') throw new QueueFullError(this.options.maxQueue);
      this.queue.shift();
      this.stats.dropped += 1;
    }
    this.queue.push(event);
    this.stats.queued += 1;
    if (this.queue.length >= this.options.batchSize) void this.pump();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.pump();
      }, this.options.flushIntervalMs);
      // The client never keeps a process alive by itself; flushOnShutdown() sends what is left.
      this.timer.unref();
    }
    return event;
  }

  /** Events waiting to be sent (not counting a batch on its way). */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Resolves when everything queued so far has been delivered, refused or given up. With
   * `timeoutMs`, it gives up on what is left by then and reports it to `onError`.
   */
  async flush(options: FlushOptions = {}): Promise<void> {
    const drained = this.drain();
    const { timeoutMs } = options;
    if (timeoutMs === undefined || !Number.isFinite(timeoutMs)) return drained;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, timeoutMs))));
    const timedOut = await Promise.race([drained.then(() => false), expired]);
    clearTimeout(timer);
    if (!timedOut) return;
    // The request and the backoff in progress stop at once; not awaited, so that a fetch option
    // that ignores its abort signal cannot hold close() past its timeout.
    this.abandon(timeoutMs);
  }

  /**
   * Refuses new events and delivers what is queued, waiting at most `timeoutMs` (default
   * `closeTimeoutMs`, 10 s); what is still undelivered then is reported to `onError`.
   */
  async close(options: CloseOptions = {}): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush({ timeoutMs: options.timeoutMs ?? this.options.closeTimeoutMs });
  }

  /**
   * Closes on SIGTERM/SIGINT (then lets the signal end the process) and flushes before a natural
   * exit, both within `closeTimeoutMs`; returns a function that removes the hooks.
   */
  flushOnShutdown(signals: ShutdownSignal[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: ShutdownSignal) => {
      remove();
      void this.close().finally(() => process.kill(process.pid, signal));
    };
    const onBeforeExit = () => {
      if (this.queue.length > 0) void this.flush({ timeoutMs: this.options.closeTimeoutMs });
    };
    for (const signal of signals) process.once(signal, onSignal);
    process.on('beforeExit', onBeforeExit);
    const remove = () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
      process.removeListener('beforeExit', onBeforeExit);
    };
    return remove;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 || this.pumping) await this.pump();
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    if (this.queue.length === 0) return Promise.resolve();
    // Started on the next tick so that `pumping` is set before the run can finish and clear it.
    this.pumping = Promise.resolve()
      .then(async () => {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.options.batchSize);
          this.inFlight = batch;
          await this.deliver(batch, this.giveUp.signal);
          if (this.inFlight === batch) this.inFlight = undefined;
        }
      })
      .finally(() => {
        this.pumping = undefined;
      });
    return this.pumping;
  }

  /** A bounded flush ran out of time: what is queued or on its way is given up and reported. */
  private abandon(waitedMs: number): void {
    const waiting = this.inFlight !== undefined;
    const undelivered = [...(this.inFlight ?? []), ...this.queue.splice(0)];
    this.inFlight = undefined;
    this.giveUp.abort();
    this.giveUp = new AbortController();
    if (undelivered.length === 0) return;
    this.stats.failed += undelivered.length;
    const last = this.lastProblem
      ? ` Last problem: ${this.lastProblem.message}`
      : waiting
        ? ` ${this.options.url} had not answered yet.`
        : '';
    const message =
      `Gave up after ${formatMs(waitedMs)}: ${undelivered.length} ${plural(undelivered.length, 'event was', 'events were')} not delivered to ${this.endpoint}.` +
      `${last} To wait longer, pass close({ timeoutMs }) or the closeTimeoutMs option.`;
    this.report(new DeliveryError(message, 'not_delivered', this.endpoint, this.lastProblem?.status, { cause: this.lastProblem }), undelivered);
  }

  private backoff(attempt: number, retryAfterSeconds: number | undefined): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
    const jittered = this.options.random() * ceiling; // "full jitter"
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  }

  private async deliver(batch: CloudEvent[], giveUp: AbortSignal): Promise<void> {
    let lastError = new DeliveryError('not sent', 'unreachable', this.endpoint);
    let attempts = 0;
    for (let attempt = 0; attempt < this.options.maxAttempts; attempt += 1) {
      if (attempt > 0) this.stats.retries += 1;
      attempts += 1;
      let retryAfter: number | undefined;
      try {
        const response = await this.options.fetch(this.endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.ingestKey}`, 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(batch),
          signal: AbortSignal.any([AbortSignal.timeout(this.options.requestTimeoutMs), giveUp]),
        });
        const body = (await response.json().catch(() => ({}))) as {
          accepted?: number;
          duplicates?: number;
          rejected?: { index: number; reason: string; message: string }[];
          message?: string;
        };
        if (giveUp.aborted) return; // abandon() has counted and reported this batch
        if (response.status === 202 || response.status === 207) {
          this.lastProblem = undefined;
          this.stats.accepted += body.accepted ?? 0;
          this.stats.duplicates += body.duplicates ?? 0;
          const rejected = body.rejected ?? [];
          this.stats.rejected += rejected.length;
          if (rejected.length > 0) {
            const rejections = rejected.map((r) => ({ event: batch[r.index] as CloudEvent, reason: r.reason, message: r.message }));
            this.call(() => this.onRejected(rejections));
          }
          return;
        }
        lastError = this.answerError(response.status, body.message);
        this.lastProblem = lastError;
        if (!RETRYABLE.has(response.status)) break;
        const header = Number(response.headers.get('retry-after'));
        retryAfter = Number.isFinite(header) && header > 0 ? header : undefined;
      } catch (error) {
        if (giveUp.aborted) return;
        // Network error or timeout: the batch may or may not have landed; ids make a resend safe.
        lastError = this.unreachable(error);
        this.lastProblem = lastError;
        if (attempt === 0 && !this.userHandlesErrors) {
          this.warnOnce('unreachable-retrying', `${lastError.message} Retrying with backoff; events stay queued (up to maxQueue).`);
        }
      }
      if (attempt + 1 < this.options.maxAttempts) {
        await sleepUnlessAborted(this.options.sleep, this.backoff(attempt, retryAfter), giveUp);
        if (giveUp.aborted) return;
      }
    }
    if (this.inFlight === batch) this.inFlight = undefined;
    this.stats.failed += batch.length;
    const given = RETRYABLE.has(lastError.status ?? 0) || lastError.problem === 'unreachable' ? ` after ${attempts} ${plural(attempts, 'attempt', 'attempts')}` : '';
    const dropped = `${batch.length} ${plural(batch.length, 'event was', 'events were')} dropped${given}.`;
    const error = new DeliveryError(`${lastError.message} ${dropped}`, lastError.problem, this.endpoint, lastError.status, { cause: lastError.cause });
    this.report(error, batch);
  }

  private answerError(status: number, serverMessage: string | undefined): DeliveryError {
    const said = serverMessage ? `: ${serverMessage}` : '';
    if (status === 401 || status === 403) {
      // The server's first sentence says what is wrong with the key (unknown, revoked); the advice is ours.
      const firstSentence = serverMessage?.split(/(?<=\.)\s/)[0]?.replace(/\.$/, '');
      const saidAboutKey = firstSentence ? `: ${firstSentence}` : '';
      const keyId = /^(blk_[^.]+)\./.exec(this.options.ingestKey)?.[1];
      const which = keyId ? `the ingest key ${keyId}…` : 'the ingest key';
      return new DeliveryError(
        `Baseliner at ${this.options.url} refused ${which} (${status}${saidAboutKey}). ` +
          `Check the ingestKey option: it must be a current key of deployment "${this.options.deployment}" ` +
          `(issue one with POST /v1/deployments/${this.options.deployment}/keys or \`baseliner deployments keys ${this.options.deployment}\`).`,
        'unauthorized',
        this.endpoint,
        status,
      );
    }
    if (status === 404) {
      return new DeliveryError(
        `${this.endpoint} answered 404${said}: is url the base URL of a Baseliner server (e.g. http://localhost:3000, without a path)?`,
        'refused',
        this.endpoint,
        status,
      );
    }
    const problem = RETRYABLE.has(status) ? 'unavailable' : 'refused';
    return new DeliveryError(`Baseliner at ${this.endpoint} answered ${status}${said || ' (no message)'}.`, problem, this.endpoint, status);
  }

  private unreachable(error: unknown): DeliveryError {
    const e = error as Error & { cause?: { message?: string; code?: string } };
    // Node's fetch says only "fetch failed"; what happened (ECONNREFUSED, ENOTFOUND…) is its cause.
    const why =
      e?.name === 'TimeoutError'
        ? `no answer within ${formatMs(this.options.requestTimeoutMs)}`
        : e?.cause?.message || e?.cause?.code || e?.message || String(error);
    return new DeliveryError(
      `Cannot reach Baseliner at ${this.options.url} (${why}): is the server running, and is url right?`,
      'unreachable',
      this.endpoint,
      undefined,
      { cause: error },
    );
  }

  private report(error: Error, events: CloudEvent[]): void {
    this.call(() => this.onError(error, events));
  }

  /** A handler that throws must not stop delivery of the rest of the queue. */
  private call(handler: () => void): void {
    try {
      handler();
    } catch (error) {
      console.warn(`[baseliner] an onError/onRejected handler threw: ${(error as Error)?.stack ?? String(error)}`);
    }
  }

  private warnRejections(rejections: Rejection[]): void {
    const byReason = new Map<string, Rejection[]>();
    for (const r of rejections) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
    for (const [reason, list] of byReason) {
      const first = list[0] as Rejection;
      this.warnOnce(
        `rejected:${reason}`,
        `Baseliner refused ${list.length} ${plural(list.length, 'event', 'events')} (${reason}), e.g. ${first.event?.type ?? 'event'} ${first.event?.id ?? ''}: ` +
          `${first.message}. Refused events are not retried: fix what the message says. ` +
          `Further events refused for this reason are counted in client.stats.rejected, not logged; pass onRejected to handle each one.`,
      );
    }
  }

  /** The default onError: each distinct problem once, so a dead server does not flood the log. */
  private warnError(error: Error): void {
    if (!(error instanceof DeliveryError)) return this.warnOnce(error.message, error.message);
    const again = error.problem === 'not_delivered' ? '' : ' Further failures like this are counted in client.stats.failed, not logged; pass onError to handle each one.';
    this.warnOnce(`${error.problem}:${error.status ?? ''}`, `${error.message}${again}`);
  }

  private warnOnce(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    console.warn(`[baseliner] ${message}`);
  }
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

/** The default sleep: its timer is cleared on abort, so it cannot keep an exiting process alive. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Any sleep, custom ones too, ends early on abort. */
function sleepUnlessAborted(sleep: (ms: number, signal?: AbortSignal) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms, signal).then(done, done);
  });
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}
