import { toCloudEvent, type CloudEvent, type Common, type TaskCompleted } from './events';

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
  /** Attempts per batch before giving up on it. Default 12 (about 2 minutes with the defaults below). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  requestTimeoutMs?: number;
  /** Events the server refused, with its reason (a 207). Not retried: they would be refused again. */
  onRejected?: (rejections: Rejection[]) => void;
  /** A batch given up: a permanent error (400, 401, 413, 415) or attempts exhausted. */
  onError?: (error: Error, events: CloudEvent[]) => void;
  fetch?: typeof fetch;
  now?: () => Date;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class QueueFullError extends Error {
  constructor(limit: number) {
    super(`Baseliner client queue is full (${limit} events): the server is unreachable or too slow; retry later or raise maxQueue`);
    this.name = 'QueueFullError';
  }
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ClientStats {
  queued: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  dropped: number;
  failed: number;
  retries: number;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/**
 * Sends adoption and outcome events to Baseliner: batched by size and time, retried with
 * exponential backoff and full jitter on 429/503/network errors (honouring Retry-After), each
 * event's id fixed at creation so a retry is a duplicate on the server, never a second event.
 */
export class BaselinerClient {
  readonly stats: ClientStats = { queued: 0, accepted: 0, duplicates: 0, rejected: 0, dropped: 0, failed: 0, retries: 0 };
  private readonly options: Required<Omit<BaselinerClientOptions, 'onRejected' | 'onError'>> &
    Pick<BaselinerClientOptions, 'onRejected' | 'onError'>;
  private queue: CloudEvent[] = [];
  private pumping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: BaselinerClientOptions) {
    const batchSize = options.batchSize ?? 500;
    if (batchSize < 1 || batchSize > 1000) throw new RangeError('batchSize must be from 1 to 1000');
    this.options = {
      batchSize,
      flushIntervalMs: 1_000,
      maxQueue: 10_000,
      whenFull: 'reject',
      maxAttempts: 12,
      baseDelayMs: 250,
      maxDelayMs: 30_000,
      requestTimeoutMs: 10_000,
      fetch: globalThis.fetch.bind(globalThis),
      now: () => new Date(),
      random: Math.random,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      ...options,
      url: options.url.replace(/\/+$/, ''),
    };
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
    if (this.closed) throw new Error('Baseliner client is closed');
    if (this.queue.length >= this.options.maxQueue) {
      if (this.options.whenFull === 'reject') throw new QueueFullError(this.options.maxQueue);
      this.queue.shift();
      this.stats.dropped += 1;
    }
    this.queue.push(event);
    this.stats.queued += 1;
    if (this.queue.length >= this.options.batchSize) this.pump();
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, this.options.flushIntervalMs);
      // The client never keeps a process alive by itself; flushOnShutdown() sends what is left.
      this.timer.unref();
    }
    return event;
  }

  /** Events waiting to be sent. */
  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when everything queued so far has been delivered, refused or given up. */
  async flush(): Promise<void> {
    while (this.queue.length > 0 || this.pumping) await this.pump();
  }

  /** Flushes, then refuses new events. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Flushes on SIGTERM/SIGINT and before a natural exit; returns a function that removes the hooks. */
  flushOnShutdown(signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
    const onSignal = (signal: NodeJS.Signals) => {
      remove();
      void this.close().finally(() => process.kill(process.pid, signal));
    };
    const onBeforeExit = () => {
      if (this.queue.length > 0) void this.flush();
    };
    for (const signal of signals) process.once(signal, onSignal);
    process.on('beforeExit', onBeforeExit);
    const remove = () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
      process.removeListener('beforeExit', onBeforeExit);
    };
    return remove;
  }

  private pump(): Promise<void> {
    if (this.pumping) return this.pumping;
    if (this.queue.length === 0) return Promise.resolve();
    // Started on the next tick so that `pumping` is set before the run can finish and clear it.
    this.pumping = Promise.resolve()
      .then(async () => {
        while (this.queue.length > 0) {
          const batch = this.queue.splice(0, this.options.batchSize);
          await this.deliver(batch);
        }
      })
      .finally(() => {
        this.pumping = undefined;
      });
    return this.pumping;
  }

  private backoff(attempt: number, retryAfterSeconds: number | undefined): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.baseDelayMs * 2 ** attempt);
    const jittered = this.options.random() * ceiling; // "full jitter"
    return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
  }

  private async deliver(batch: CloudEvent[]): Promise<void> {
    let lastError: Error = new DeliveryError('not sent');
    for (let attempt = 0; attempt < this.options.maxAttempts; attempt += 1) {
      if (attempt > 0) this.stats.retries += 1;
      let retryAfter: number | undefined;
      try {
        const response = await this.options.fetch(`${this.options.url}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.ingestKey}`, 'content-type': 'application/cloudevents-batch+json' },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(this.options.requestTimeoutMs),
        });
        const body = (await response.json().catch(() => ({}))) as {
          accepted?: number;
          duplicates?: number;
          rejected?: { index: number; reason: string; message: string }[];
          message?: string;
        };
        if (response.status === 202 || response.status === 207) {
          this.stats.accepted += body.accepted ?? 0;
          this.stats.duplicates += body.duplicates ?? 0;
          const rejected = body.rejected ?? [];
          this.stats.rejected += rejected.length;
          if (rejected.length > 0) {
            this.options.onRejected?.(rejected.map((r) => ({ event: batch[r.index] as CloudEvent, reason: r.reason, message: r.message })));
          }
          return;
        }
        lastError = new DeliveryError(`Baseliner answered ${response.status}: ${body.message ?? 'no message'}`, response.status);
        if (!RETRYABLE.has(response.status)) break;
        const header = Number(response.headers.get('retry-after'));
        retryAfter = Number.isFinite(header) && header > 0 ? header : undefined;
      } catch (error) {
        lastError = error as Error; // network error or timeout: the batch may or may not have landed; ids make a resend safe
      }
      if (attempt + 1 < this.options.maxAttempts) await this.options.sleep(this.backoff(attempt, retryAfter));
    }
    this.stats.failed += batch.length;
    this.options.onError?.(lastError, batch);
  }
}
