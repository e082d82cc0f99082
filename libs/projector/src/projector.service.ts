import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Gauge, type Registry } from 'prom-client';
import { performance } from 'node:perf_hooks';
import { localDay, scorecardOf, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';
import { METRIC_NAMES } from '@baseliner/contracts';
import {
  EVENT_STORE,
  providesShardLeases,
  type EventStore,
  type EventSubscription,
  type ShardLeases,
  type SnapshotStore,
} from '@baseliner/event-store';
import {
  APP_CONFIG,
  CLOCK,
  METRICS_REGISTRY,
  ReadinessChecks,
  SNAPSHOT_STORE_FACTORY,
  type AppConfig,
  type CachedMetrics,
  type Clock,
  type SnapshotStoreFactory,
} from '@baseliner/platform';
import { DEPLOYMENT_FAMILY_LIST, deploymentSeries } from './deployment-metrics';
import { expositionByFamily } from './exposition';
import { applyRecordedEvent, emptyProjectionState, type ProjectionState } from './projection-state';
import { shardOf, ShardSet } from './shards';
import { ProjectionSnapshots } from './snapshot-store';

/** Deployments evaluated (or snapshotted) per turn of the event loop, so neither stalls requests for long. */
const EVALUATION_CHUNK = 25;
/**
 * …and never more than this much evaluation per turn: a deployment's first scorecard after a full
 * replay computes its whole verdict track (≈ 0.17 ms per day live), many times a re-evaluation.
 */
const EVALUATION_SLICE_MS = 10;
const SNAPSHOT_CHUNK = 10;
/**
 * A deployment with no new events is re-evaluated at most this often (and on each new local day):
 * its scorecard moves with the clock only through day boundaries and slow 14- and 28-day cut-offs.
 * Re-evaluating every deployment every few seconds spent most of a large portfolio's CPU and
 * held the event loop in front of scrapes.
 */
const UNCHANGED_REEVALUATE_MS = 60_000;
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
export class ProjectorService implements OnModuleInit, BeforeApplicationShutdown, CachedMetrics {
  private readonly logger = new Logger(ProjectorService.name);
  private state: ProjectionState = emptyProjectionState();
  private snapshotStore: SnapshotStore | undefined;
  private snapshots: ProjectionSnapshots | undefined;
  private leases: ShardLeases | undefined;
  /** Shard changes apply one at a time, in order. */
  private resharding: Promise<void> = Promise.resolve();
  /** Set while the projection is swapped for another set of shards: the follower stops. */
  private paused = false;
  private readonly shardCount: number;
  private metricsText = Buffer.alloc(0);
  private scorecards = new Map<string, Scorecard>();
  /** Each deployment's last evaluation with its metric lines, for the state it was made from. */
  private evaluations = new Map<string, { card: Scorecard; blocks: Map<string, string>; atMs: number; day: number }>();
  private evaluationsOf: ProjectionState | undefined;
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
    @Inject(SNAPSHOT_STORE_FACTORY) private readonly openSnapshotStore: SnapshotStoreFactory,
  ) {
    this.shardCount = config.projectorShards;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const projector = this;
    new Gauge({
      name: METRIC_NAMES.projectionLag,
      help: 'Age of the oldest stored event not yet projected (0 when caught up)',
      registers: [registry],
      async collect() {
        this.set(await projector.lagSeconds());
      },
    });
    // Not ready until the log as it stood at start is projected (and evaluated once): before
    // that, scorecards and /metrics would show a partial past.
    readiness.add('projection', () => {
      if (this.state.shards.owned.length === 0) return `holds none of the ${this.shardCount} shards yet (other projectors hold them all)`;
      return this.firstVerdicts ? undefined : `replaying the event log: at ${this.state.checkpoint} of ${this.headAtStart ?? '?'}`;
    });
    new Gauge({
      name: METRIC_NAMES.projectorShards,
      help: `Shards of deployments this projector holds (of ${METRIC_NAMES.projectorShardsConfigured})`,
      registers: [registry],
      collect() {
        this.set(projector.state.shards.owned.length);
      },
    });
    new Gauge({
      name: METRIC_NAMES.projectorShardsConfigured,
      help: 'Shards the deployments are split into (BASELINER_PROJECTOR_SHARDS)',
      registers: [registry],
      collect() {
        this.set(projector.shardCount);
      },
    });
  }

  async onModuleInit(): Promise<void> {
    this.snapshotStore = await this.openSnapshotStore();
    this.snapshots = new ProjectionSnapshots(this.snapshotStore);
    if (this.shardCount > 1) {
      if (!providesShardLeases(this.store)) throw new Error(`BASELINER_PROJECTOR_SHARDS=${this.shardCount} needs an event store that holds leases (PostgreSQL)`);
      // Until the first leases are held this projector holds nothing, and says so on /readyz.
      this.state = emptyProjectionState(new ShardSet(this.shardCount, []));
      this.leases = this.store.shardLeases({ group: 'projector', shards: this.shardCount });
      await this.leases.start((held) => this.holdShards(held));
    } else {
      await this.project(ShardSet.all());
    }
    this.timers.push(setInterval(() => void this.evaluateLogged(), this.options.evaluateEveryMs));
    this.timers.push(setInterval(() => void this.snapshot(), this.options.snapshotEveryMs));
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Starts projecting a set of shards: loads their snapshot (or starts empty), then follows the
   * log from the oldest point any of them needs. Readiness waits for this catch-up.
   */
  private async project(shards: ShardSet): Promise<void> {
    const started = Date.now();
    this.state = (await (this.snapshots as ProjectionSnapshots).load(shards)) ?? emptyProjectionState(shards);
    this.logger.log({ msg: 'projection state loaded', shards: shards.describe(), checkpoint: this.state.checkpoint, ms: Date.now() - started });
    this.firstVerdicts = false;
    this.headAtStart = await this.store.headPosition();
    this.paused = false;
    this.running = this.follow();
    // First verdicts as soon as the backlog is in, rather than one interval later.
    const state = this.state;
    void this.catchUp(10 * 60_000)
      .then(() => this.evaluateLogged())
      .then(() => {
        if (this.state === state) this.firstVerdicts = true;
      });
  }

  /**
   * The leases changed: save what is projected now (another projector may take those shards
   * over from the snapshot), then project the new set. Queued, so changes apply in order.
   */
  private holdShards(held: number[]): Promise<void> {
    this.resharding = this.resharding.then(async () => {
      if (this.stopped) return;
      const next = new ShardSet(this.shardCount, held);
      if (next.describe() === this.state.shards.describe() && this.running) return;
      this.logger.log({ msg: 'projector shards changed', from: this.state.shards.describe(), to: next.describe() });
      await this.pause();
      await this.project(next);
      // At once, not at the next interval: /metrics must stop showing shards another projector now holds.
      await this.evaluateLogged();
    });
    return this.resharding;
  }

  private async pause(): Promise<void> {
    this.paused = true;
    this.subscription?.close();
    await this.running;
    this.running = undefined;
    await this.snapshotting;
    await this.snapshot();
  }

  // Before the event store closes (that is its onApplicationShutdown): the subscription ends cleanly and the last snapshot is written.
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.resharding;
    this.stopped = true;
    this.subscription?.close();
    await this.running;
    await this.snapshotting; // a pass under way saved what was dirty when it started…
    await this.snapshot(); // …this one saves the rest
    // Leases go only after the snapshot: whoever takes the shards over resumes from it.
    await this.leases?.close();
    await this.snapshotStore?.close();
  }

  private async follow(): Promise<void> {
    while (!this.stopped && !this.paused) {
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
        if (this.paused) return;
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
    const nowMs = now.getTime();
    const state = this.state;
    // Another set of shards (or a fresh state): nothing evaluated before applies.
    if (this.evaluationsOf !== state) {
      this.evaluations = new Map();
      this.evaluationsOf = state;
    }
    const previous = this.evaluations;
    const evaluations = new Map<string, { card: Scorecard; blocks: Map<string, string>; atMs: number; day: number }>();
    const cards = new Map<string, Scorecard>();
    const series: Map<string, string>[] = [];
    let sliceStart = performance.now();
    let inSlice = 0;
    for (const projection of Object.values(state.deployments)) {
      const day = localDay(nowMs, projection.timezone);
      const last = previous.get(projection.id);
      const reuse = last && !state.changed.has(projection.id) && last.day === day && nowMs - last.atMs < UNCHANGED_REEVALUATE_MS;
      let evaluation = reuse ? last : undefined;
      if (!evaluation) {
        state.changed.delete(projection.id);
        const card = scorecardOf(projection, now);
        if (card) evaluation = { card, blocks: deploymentSeries(projection, card).blocks(), atMs: nowMs, day };
        inSlice += 1;
      }
      if (evaluation) {
        evaluations.set(projection.id, evaluation);
        cards.set(projection.id, evaluation.card);
        series.push(evaluation.blocks);
      }
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
    if (this.evaluationsOf === state) this.evaluations = evaluations;
  }

  /** The scorecard of one deployment, evaluated now (fresh, and cheap for one). */
  scorecard(deploymentId: string): Scorecard | undefined {
    const projection = this.state.deployments[deploymentId];
    return projection ? scorecardOf(projection, this.clock.now()) : undefined;
  }

  /** The read model of one deployment, for the pages' charts (read-only: never change it). */
  projectionOf(deploymentId: string): DeploymentProjection | undefined {
    return this.state.deployments[deploymentId];
  }

  /** Every deployment this projector holds, with the scorecard of the last evaluation (for listings and pages). */
  portfolio(): { projection: DeploymentProjection; scorecard?: Scorecard }[] {
    return Object.values(this.state.deployments).map((projection) => ({ projection, scorecard: this.scorecards.get(projection.id) }));
  }

  /** Describes the shards this projector holds ("all", or which of how many). */
  heldShards(): { all: boolean; description: string } {
    const shards = this.state.shards;
    return { all: this.shardCount <= 1, description: shards.describe() };
  }

  /** When this projector holds only some shards: which, for messages about the others. */
  shardOf(deploymentId: string): { held: boolean; shard: number; shards: string } {
    const shards = this.state.shards;
    return { held: shards.owns(deploymentId), shard: shardOf(deploymentId, shards.count), shards: shards.describe() };
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
    if (!this.snapshots) return;
    const started = Date.now();
    const state = this.state;
    const passStart = state.checkpoint;
    const ids = [...state.dirty];
    state.dirty.clear();
    let bytes = 0;
    let saved = 0;
    try {
      for (let i = 0; i < ids.length || i === 0; i += SNAPSHOT_CHUNK) {
        const chunk = ids.slice(i, i + SNAPSHOT_CHUNK).flatMap((id) => {
          const projection = state.deployments[id];
          return projection ? [{ projection, checkpoint: state.checkpoint }] : [];
        });
        const last = i + SNAPSHOT_CHUNK >= ids.length;
        bytes += await this.snapshots.saveDeployments(chunk, last ? passStart : undefined, state.shards);
        saved = Math.min(ids.length, i + SNAPSHOT_CHUNK);
        if (!last) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      for (const id of ids.slice(saved)) state.dirty.add(id);
      this.snapshotFailing = true;
      const { name, code } = error as { name?: string; code?: string };
      this.logger.error({ msg: 'projection snapshot failed; serving from memory, retrying at the next pass', error: code ?? name, unsaved: ids.length - saved });
      return;
    }
    this.snapshotFailing = false;
    if (ids.length > 0) {
      this.logger.log({ msg: 'projection snapshot saved', deployments: ids.length, shards: state.shards.describe(), resumeFrom: passStart, bytes, ms: Date.now() - started });
    }
  }
}
