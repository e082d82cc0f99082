import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { scorecardOf, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';
import { EVENT_STORE, providesShardLeases, type EventStore, type ShardLeases, type SnapshotStore } from '@baseliner/event-store';
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
import { IncrementalSnapshots } from './incremental-snapshots';
import { LogFollower } from './log-follower';
import { emptyProjectionState, type ProjectionState } from './projection-state';
import { registerProjectorGauges } from './projector-gauges';
import { ScorecardEvaluation } from './scorecard-evaluation';
import { shardOf, ShardSet } from './shards';
import { ProjectionSnapshots } from './snapshot-store';

export interface ProjectorOptions {
  evaluateEveryMs: number;
  snapshotEveryMs: number;
}

export const PROJECTOR_OPTIONS = Symbol('PROJECTOR_OPTIONS');

/**
 * The read side's runner: projects the shards it holds (all, or those its leases give it) from
 * their snapshot and the log (`LogFollower`), re-evaluates every deployment's scorecard on an
 * interval with the real clock (`ScorecardEvaluation`), and snapshots state and checkpoint
 * together (`IncrementalSnapshots`). Scrapes and listings use the last evaluation.
 */
@Injectable()
export class ProjectorService implements OnModuleInit, BeforeApplicationShutdown, CachedMetrics {
  private readonly logger = new Logger(ProjectorService.name);
  private state: ProjectionState = emptyProjectionState();
  private readonly follower: LogFollower;
  private readonly evaluation: ScorecardEvaluation;
  private snapshotStore: SnapshotStore | undefined;
  /** Where the shards' state is loaded from, and the passes that save it. */
  private savedState: ProjectionSnapshots | undefined;
  private snapshots: IncrementalSnapshots | undefined;
  private leases: ShardLeases | undefined;
  /** Shard changes apply one at a time, in order. */
  private resharding: Promise<void> = Promise.resolve();
  private readonly shardCount: number;
  private running: Promise<void> | undefined;
  private stopped = false;
  private timers: NodeJS.Timeout[] = [];
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
    this.follower = new LogFollower(store, this.logger);
    this.evaluation = new ScorecardEvaluation(
      () => this.state,
      () => this.clock.now(),
    );
    registerProjectorGauges(registry, {
      lagSeconds: () => this.follower.lagSeconds(this.state.checkpoint, () => this.clock.now()),
      heldShards: () => this.state.shards.owned.length,
      shardCount: this.shardCount,
    });
    // Not ready until the log as it stood at start is projected and evaluated once: before, scorecards would show a partial past.
    readiness.add('projection', () => {
      if (this.state.shards.owned.length === 0) return `holds none of the ${this.shardCount} shards yet (other projectors hold them all)`;
      return this.firstVerdicts ? undefined : `replaying the event log: at ${this.state.checkpoint} of ${this.headAtStart ?? '?'}`;
    });
  }

  async onModuleInit(): Promise<void> {
    this.snapshotStore = await this.openSnapshotStore();
    this.savedState = new ProjectionSnapshots(this.snapshotStore);
    this.snapshots = new IncrementalSnapshots(this.savedState, () => this.state, this.logger);
    if (this.shardCount > 1) {
      if (!providesShardLeases(this.store)) throw new Error(`BASELINER_PROJECTOR_SHARDS=${this.shardCount} needs an event store that holds leases (PostgreSQL)`);
      // Until the first leases are held this projector holds nothing, and says so on /readyz.
      this.state = emptyProjectionState(new ShardSet(this.shardCount, []));
      this.leases = this.store.shardLeases({ group: 'projector', shards: this.shardCount });
      await this.leases.start((held) => this.holdShards(held));
    } else {
      await this.project(ShardSet.all());
    }
    // No evaluations on the timer while catching up: a scorecard of half the log is wrong, and each
    // pass over deployments whose past keeps changing walks their verdict tracks for nothing.
    this.timers.push(
      setInterval(() => {
        if (this.firstVerdicts) void this.evaluateLogged();
      }, this.options.evaluateEveryMs),
    );
    this.timers.push(setInterval(() => void this.snapshot(), this.options.snapshotEveryMs));
    for (const timer of this.timers) timer.unref();
  }

  /**
   * Starts projecting a set of shards: loads their snapshot (or starts empty), then follows the
   * log from the oldest point any of them needs. Readiness waits for this catch-up.
   */
  private async project(shards: ShardSet): Promise<void> {
    const started = Date.now();
    this.state = (await (this.savedState as ProjectionSnapshots).load(shards)) ?? emptyProjectionState(shards);
    this.logger.log({ msg: 'projection state loaded', shards: shards.describe(), checkpoint: this.state.checkpoint, ms: Date.now() - started });
    this.firstVerdicts = false;
    this.headAtStart = await this.store.headPosition();
    this.running = this.follower.follow(this.state);
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
    this.follower.pause();
    await this.running;
    this.running = undefined;
    await this.snapshots?.saveRest();
  }

  // Before the event store closes (that is its onApplicationShutdown): the subscription ends cleanly and the last snapshot is written.
  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.resharding;
    this.stopped = true;
    this.follower.stop();
    await this.running;
    await this.snapshots?.saveRest();
    // Leases go only after the snapshot: whoever takes the shards over resumes from it.
    await this.leases?.close();
    await this.snapshotStore?.close();
  }

  get checkpoint(): number {
    return this.state.checkpoint;
  }

  /** Resolves when everything stored up to now is projected, or after `timeoutMs`. */
  catchUp(timeoutMs = 5_000): Promise<boolean> {
    return this.follower.catchUp(() => this.state.checkpoint, timeoutMs);
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
    return this.evaluation.evaluate();
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
    return Object.values(this.state.deployments).map((projection) => ({ projection, scorecard: this.evaluation.scorecard(projection.id) }));
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
    return this.evaluation.scorecard(deploymentId)?.verdict;
  }

  exposition(): Buffer {
    return this.evaluation.exposition();
  }

  /** Saves the deployments changed since their last save (`IncrementalSnapshots`); never rejects. */
  snapshot(): Promise<void> {
    return this.snapshots?.snapshot() ?? Promise.resolve();
  }

  /** Whether the last snapshot pass failed (a full disk, an I/O error). */
  get snapshotFailing(): boolean {
    return this.snapshots?.failing ?? false;
  }
}
