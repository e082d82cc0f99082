import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { scorecardOf, type Scorecard } from '@baseliner/analytics';
import { EVENT_STORE, type EventStore, type EventSubscription } from '@baseliner/event-store';
import { APP_CONFIG, CLOCK, METRICS_REGISTRY, ReadinessChecks, type AppConfig, type CachedMetrics, type Clock } from '@baseliner/platform';
import { DEPLOYMENT_FAMILY_LIST, deploymentSeries } from './deployment-metrics';
import { expositionByFamily } from './exposition';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from './projection-state';
import { SnapshotStore } from './snapshot-store';

/** Deployments evaluated (or snapshotted) per turn of the event loop, so neither stalls requests for long. */
const EVALUATION_CHUNK = 25;
/**
 * …and never more than this much evaluation per turn: a deployment's first scorecard after a full
 * replay computes its whole verdict track (≈ 0.17 ms per day live), many times a re-evaluation.
 */
const EVALUATION_SLICE_MS = 10;
const SNAPSHOT_CHUNK = 10;
/** While following the log: look at the clock every this many events, yield after this long. */
const REPLAY_CHECK_EVERY = 1_000;
const REPLAY_SLICE_MS = 20;
const RESUBSCRIBE_DELAY_MS = 1_000;

export interface ProjectorOptions {
  evaluateEveryMs: number;
  snapshotEveryMs: number;
}

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');

/**
 * The read side's runner: folds every stored event after its checkpoint into the projection
 * state (catch-up, then live), snapshots state and checkpoint together, and re-evaluates every
 * deployment's scorecard on an interval with the real clock. Scrapes and scorecard reads use
 * the results of the last evaluation.
 */
@Injectable()
export class ProjectorService implements OnModuleInit, OnApplicationShutdown, CachedMetrics {
  private readonly logger = new Logger(ProjectorService.name);
  private state: ProjectionState = emptyProjectionState();
  private readonly snapshots: SnapshotStore;
  private metricsText = Buffer.alloc(0);
  private scorecards = new Map<string, Scorecard>();
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
  private snapshotting: Promise<void> | undefined;
  private evaluating: Promise<void> | undefined;
  private waiters: { position: number; resolve: () => void }[] = [];
  /** The log's head when the service started, and whether it has been projected and evaluated. */
  private headAtStart: number | undefined;
  private firstVerdicts = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(PROJECTOR_OPTIONS) private readonly options: ProjectorOptions,
    @Inject(METRICS_REGISTRY) registry: Registry,
    readiness: ReadinessChecks,
  ) {
    this.snapshots = new SnapshotStore(join(config.dataDir, 'projector.db'));
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const projector = this;
    new Gauge({
      name: 'baseliner_projection_lag_seconds',
      help: 'Age of the oldest stored event not yet projected (0 when caught up)',
      registers: [registry],
      async collect() {
        this.set(await projector.lagSeconds());
      },
    });
    // Not ready until the log as it stood at start is projected (and evaluated once): before
    // that, scorecards and /metrics would show a partial past.
    readiness.add('projection', () =>
      this.firstVerdicts ? undefined : `replaying the event log: at ${this.state.checkpoint} of ${this.headAtStart ?? '?'}`,
    );
  }

  async onModuleInit(): Promise<void> {
    const started = Date.now();
    this.state = this.snapshots.load() ?? emptyProjectionState();
    this.logger.log({ msg: 'projection state loaded', checkpoint: this.state.checkpoint, ms: Date.now() - started });
    this.headAtStart = await this.store.headPosition();
    this.running = this.follow();
    // First verdicts as soon as the backlog is in, rather than one interval later.
    void this.catchUp(10 * 60_000)
      .then(() => this.evaluateLogged())
      .then(() => (this.firstVerdicts = true));
    this.timers.push(setInterval(() => void this.evaluateLogged(), this.options.evaluateEveryMs));
    this.timers.push(setInterval(() => void this.snapshot(), this.options.snapshotEveryMs));
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.subscription?.close();
    await this.running;
    await this.snapshotting; // a pass under way saved what was dirty when it started…
    await this.snapshot(); // …this one saves the rest
    this.snapshots.close();
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      this.subscription = this.store.subscribeToAll({ fromPosition: this.state.checkpoint });
      try {
        // A replay of millions of events resolves page after page without touching I/O: give the
        // event loop a turn every few milliseconds, so the server listens and answers meanwhile.
        let sliceStart = performance.now();
        let sinceCheck = 0;
        for await (const event of this.subscription) {
          applyRecordedEvent(this.state, event);
          if (this.waiters.length > 0) this.wakeWaiters();
          if ((sinceCheck += 1) < REPLAY_CHECK_EVERY) continue;
          sinceCheck = 0;
          if (performance.now() - sliceStart >= REPLAY_SLICE_MS) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
        }
      } catch (error) {
        this.logger.error({ msg: 'projection subscription failed; resubscribing', error: (error as Error).name });
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      }
    }
  }

  private wakeWaiters(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.position > this.state.checkpoint) return true;
      waiter.resolve();
      return false;
    });
  }

  get checkpoint(): number {
    return this.state.checkpoint;
  }

  /** Resolves when everything stored up to now is projected, or after `timeoutMs`. */
  async catchUp(timeoutMs = 5_000): Promise<boolean> {
    const head = await this.store.headPosition();
    if (this.state.checkpoint >= head) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      this.waiters.push({ position: head, resolve: () => (clearTimeout(timer), resolve(true)) });
    });
  }

  private async lagSeconds(): Promise<number> {
    const [oldestUnprojected] = await this.store.readAll({ fromPosition: this.state.checkpoint, maxCount: 1 });
    if (!oldestUnprojected) return 0;
    return Math.max(0, (this.clock.now().getTime() - oldestUnprojected.recordedAt.getTime()) / 1000);
  }

  /** From a timer: a failed evaluation is logged and the last good scorecards keep being served. */
  private async evaluateLogged(): Promise<void> {
    try {
      await this.evaluate();
    } catch (error) {
      this.logger.error({ msg: 'evaluation failed; serving the previous scorecards', error: (error as Error).name, detail: (error as Error).message });
    }
  }

  /** Re-evaluates every deployment in chunks, then swaps in the new scorecards and metric text. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.evaluateAll().finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  private async evaluateAll(): Promise<void> {
    const now = this.clock.now();
    const projections = Object.values(this.state.deployments);
    const cards = new Map<string, Scorecard>();
    const series: Map<string, string>[] = [];
    let sliceStart = performance.now();
    let inSlice = 0;
    for (const projection of projections) {
      const card = scorecardOf(projection, now);
      if (card) {
        cards.set(projection.id, card);
        series.push(deploymentSeries(projection, card).blocks());
      }
      inSlice += 1;
      if (inSlice >= EVALUATION_CHUNK || performance.now() - sliceStart >= EVALUATION_SLICE_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        sliceStart = performance.now();
        inSlice = 0;
      }
    }
    // Encoded family by family with a yield between, so no single step holds the event loop long.
    const encoded: Buffer[] = [];
    for (const text of expositionByFamily(DEPLOYMENT_FAMILY_LIST, series)) {
      encoded.push(Buffer.from(text));
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.metricsText = Buffer.concat(encoded);
    this.scorecards = cards;
  }

  /** The scorecard of one deployment, evaluated now (fresh, and cheap for one). */
  scorecard(deploymentId: string): Scorecard | undefined {
    const projection = this.state.deployments[deploymentId];
    return projection ? scorecardOf(projection, this.clock.now()) : undefined;
  }

  /** Verdicts from the last evaluation, for listings. */
  verdictOf(deploymentId: string): Scorecard['verdict'] | undefined {
    return this.scorecards.get(deploymentId)?.verdict;
  }

  exposition(): Buffer {
    return this.metricsText;
  }

  /**
   * Saves the deployments changed since their last save, a few per turn of the event loop, each
   * with the checkpoint it includes; the pass's start becomes the restart position once all of
   * them are written.
   */
  snapshot(): Promise<void> {
    this.snapshotting ??= this.snapshotPass().finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  /** Whether the last snapshot pass failed (a full disk, an I/O error). */
  snapshotFailing = false;

  /**
   * A pass never rejects: it runs from a timer, and a full disk must not take the process down
   * (it keeps serving from memory). What it could not save stays dirty for the next pass.
   */
  private async snapshotPass(): Promise<void> {
    const started = Date.now();
    const passStart = this.state.checkpoint;
    const ids = [...this.state.dirty];
    this.state.dirty.clear();
    let bytes = 0;
    let saved = 0;
    try {
      for (let i = 0; i < ids.length || i === 0; i += SNAPSHOT_CHUNK) {
        const chunk = ids.slice(i, i + SNAPSHOT_CHUNK).flatMap((id) => {
          const projection = this.state.deployments[id];
          return projection ? [{ projection, checkpoint: this.state.checkpoint }] : [];
        });
        const last = i + SNAPSHOT_CHUNK >= ids.length;
        bytes += this.snapshots.saveDeployments(chunk, last ? passStart : undefined);
        saved = Math.min(ids.length, i + SNAPSHOT_CHUNK);
        if (!last) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      for (const id of ids.slice(saved)) this.state.dirty.add(id);
      this.snapshotFailing = true;
      const { name, code } = error as { name?: string; code?: string };
      this.logger.error({ msg: 'projection snapshot failed; serving from memory, retrying at the next pass', error: code ?? name, unsaved: ids.length - saved });
      return;
    }
    this.snapshotFailing = false;
    if (ids.length > 0) {
      this.logger.log({ msg: 'projection snapshot saved', deployments: ids.length, resumeFrom: passStart, bytes, ms: Date.now() - started });
    }
  }
}
