import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { takeGroup, WrongExpectedRevisionError, type AppendOptions, type AppendResult, type NewEvent } from '@baseliner/event-store';
import { commitFailure, writerStopped } from './sqlite-error-mapping';
import type { WriteRequest } from './sqlite-writer';
import type { WriterMessage, WriterReply } from './sqlite-writer.worker';

interface PendingAppend {
  request: WriteRequest;
  resolve(result: AppendResult): void;
  reject(error: Error): void;
}

const COMMIT_FAILURE_UNREADY_MS = 10_000;

export interface SqliteGroupCommitOptions {
  path: string;
  maxGroupEvents: number;
  recentIdLimit?: number;
  moveStep?: number;
  now(): Date;
  /** After a commit that stored events. */
  onAppended(): void;
}

function spawnWriter(workerData: { path: string; recentIdLimit?: number; moveStep?: number }): Worker {
  const compiled = join(__dirname, 'sqlite-writer.worker.js');
  if (existsSync(compiled)) return new Worker(compiled, { workerData });
  // Running from TypeScript sources (tests, ts-node): transpile the worker on the fly.
  const source = join(__dirname, 'sqlite-writer.worker.ts');
  return new Worker(`require('ts-node/register/transpile-only'); require(${JSON.stringify(source)});`, {
    eval: true,
    workerData,
  });
}

/**
 * The main thread's side of the writer thread: appends that arrive while a group commits wait
 * and form the next group, so the busier the intake, the larger and cheaper each commit.
 */
export class SqliteGroupCommit {
  private readonly writer: Worker;
  private pending: PendingAppend[] = [];
  /** Groups posted to the writer and not answered yet, oldest first: at most two. */
  private committing: PendingAppend[][] = [];
  private nextGroupId = 1;
  private readonly pragmaWaiters = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private closed = false;
  private writerGone: Error | undefined;
  private lastCommitFailure: { error: Error; at: number } | undefined;
  private readonly stats = { commits: 0, largestGroupEvents: 0, mostGroupsInFlight: 0 };
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly options: SqliteGroupCommitOptions) {
    this.writer = spawnWriter({ path: options.path, recentIdLimit: options.recentIdLimit, moveStep: options.moveStep });
    this.writer.on('message', (reply: WriterReply) => this.onWriterReply(reply));
    this.writer.on('error', (error) => this.onWriterGone(error));
    this.writer.on('exit', (code) => {
      if (!this.closed) this.onWriterGone(new Error(`the writer thread exited with code ${code}`));
    });
    this.writer.unref();
  }

  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    if (this.writerGone) return Promise.reject(writerStopped(this.writerGone));
    let request: WriteRequest;
    try {
      request = {
        streamId,
        expected: options.expectedRevision ?? 'any',
        events: events.map((e) => ({
          id: e.id,
          type: e.type,
          data: JSON.stringify(e.data ?? null),
          metadata: e.metadata ? JSON.stringify(e.metadata) : null,
        })),
      };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      // An idle writer starts at once; appends that arrive while it commits wait and form the next
      // group (posted early once it is full, see flush). That overlaps the main thread's work with
      // the writer's instead of alternating.
      this.flush();
    });
  }

  private flush(): void {
    if (this.pending.length === 0) {
      if (this.committing.length === 0) this.settleDrain();
      return;
    }
    // A second group is queued behind the one committing only once a full group waits: the
    // writer starts it the moment the first commits, instead of waiting until the main thread
    // reads the reply (a main thread busy decoding answers milliseconds late). A partial group
    // waits for the reply, so groups stay large when the intake is not saturated.
    if (this.committing.length >= 2) return;
    if (this.committing.length === 1 && this.pending.reduce((events, p) => events + p.request.events.length, 0) < this.options.maxGroupEvents) return;
    const { group, events } = takeGroup(this.pending, this.options.maxGroupEvents, (p) => p.request.events.length);
    this.committing.push(group);
    this.stats.commits += 1;
    this.stats.largestGroupEvents = Math.max(this.stats.largestGroupEvents, events);
    this.stats.mostGroupsInFlight = Math.max(this.stats.mostGroupsInFlight, this.committing.length);
    this.writer.ref(); // keep the process alive until this commit is answered
    this.post({ kind: 'commit', groupId: this.nextGroupId++, requests: group.map((p) => p.request), recordedAt: this.options.now().getTime() });
  }

  private post(message: WriterMessage): void {
    this.writer.postMessage(message);
  }

  private onWriterReply(reply: WriterReply): void {
    switch (reply.kind) {
      case 'committed': {
        const group = this.committing.shift() ?? [];
        this.lastCommitFailure = undefined;
        let appended = false;
        reply.outcomes.forEach((outcome, i) => {
          const request = group[i] as PendingAppend;
          if (outcome.kind === 'conflict') {
            request.reject(new WrongExpectedRevisionError(outcome.streamId, outcome.expected, outcome.actual));
          } else {
            appended ||= outcome.result.appendedIds.length > 0;
            request.resolve(outcome.result);
          }
        });
        if (appended) this.options.onAppended();
        break;
      }
      case 'failed': {
        const failure = commitFailure(reply);
        const waiter = this.pragmaWaiters.get(reply.groupId);
        if (waiter) {
          this.pragmaWaiters.delete(reply.groupId);
          waiter.reject(failure);
          break;
        }
        this.lastCommitFailure = { error: failure, at: Date.now() };
        const group = this.committing.shift() ?? [];
        for (const request of group) request.reject(failure);
        break;
      }
      case 'pragma': {
        this.pragmaWaiters.get(reply.groupId)?.resolve(reply.value);
        this.pragmaWaiters.delete(reply.groupId);
        break;
      }
      case 'ready':
      case 'closed':
        break;
      default: {
        const unknown: never = reply;
        throw new Error(`Unknown writer reply ${JSON.stringify(unknown)}`);
      }
    }
    this.flush();
    // Idle: let the process exit if nothing else runs. While closing, stay alive until the writer exits.
    if (!this.closed && this.committing.length === 0 && this.pragmaWaiters.size === 0) this.writer.unref();
  }

  private onWriterGone(error: Error): void {
    if (this.writerGone) return;
    this.writerGone = error;
    const failure = writerStopped(error);
    for (const request of [...this.committing.flat(), ...this.pending]) request.reject(failure);
    this.committing = [];
    this.pending = [];
    for (const waiter of this.pragmaWaiters.values()) waiter.reject(failure);
    this.pragmaWaiters.clear();
    this.settleDrain();
  }

  /** See `SqliteEventStore.writerPragma`. */
  writerPragma(statement: string): Promise<unknown> {
    if (this.writerGone) return Promise.reject(writerStopped(this.writerGone));
    const groupId = this.nextGroupId++;
    return new Promise((resolve, reject) => {
      this.pragmaWaiters.set(groupId, { resolve, reject });
      this.writer.ref();
      this.post({ kind: 'pragma', groupId, statement });
    });
  }

  /** Throws when the writer thread is gone: liveness. */
  checkAlive(): void {
    if (this.writerGone) throw writerStopped(this.writerGone);
  }

  /** Also throws for a while after a failed commit: readiness. */
  checkHealth(): void {
    this.checkAlive();
    // A failed commit marks the store unready for a while, then lets traffic probe it again:
    // otherwise an instance taken out of a load balancer would never get the append that clears it.
    if (this.lastCommitFailure && Date.now() - this.lastCommitFailure.at < COMMIT_FAILURE_UNREADY_MS) {
      throw this.lastCommitFailure.error;
    }
  }

  commitStats(): { commits: number; largestGroupEvents: number; mostGroupsInFlight: number } {
    return { ...this.stats };
  }

  private settleDrain(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Commits what was already appended; the store takes no more. */
  async drain(): Promise<void> {
    this.closed = true;
    if (this.committing.length > 0 || this.pending.length > 0) {
      await new Promise<void>((resolve) => {
        this.drainWaiters.push(resolve);
        this.flush();
      });
    }
  }

  /** Stops the writer thread (after `drain`): it closes its connection and exits. */
  async stopWriter(): Promise<void> {
    if (this.writerGone) return;
    this.writer.ref();
    const exited = new Promise((resolve) => this.writer.once('exit', resolve));
    this.post({ kind: 'close' });
    await exited;
  }
}
