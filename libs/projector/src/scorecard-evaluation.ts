import { performance } from 'node:perf_hooks';
import { localDay, scorecardOf, type Scorecard } from '@baseliner/analytics';
import { DEPLOYMENT_FAMILY_LIST, deploymentSeries } from './deployment-metrics';
import { expositionByFamily } from './exposition';
import type { ProjectionState } from './projection-state';

/** Deployments evaluated per turn of the event loop, at most… */
const EVALUATION_CHUNK = 25;
/** …and time per turn: a first scorecard after a full replay computes its whole verdict track (docs/benchmarks.md). */
const EVALUATION_SLICE_MS = 10;
/**
 * A deployment with no new events is re-evaluated at most this often (and on each new local day):
 * its scorecard moves with the clock only at day boundaries and slow cut-offs.
 */
const UNCHANGED_REEVALUATE_MS = 60_000;

interface Evaluation {
  card: Scorecard;
  blocks: Map<string, string>;
  atMs: number;
  day: number;
}

/**
 * Every deployment's scorecard and its per-deployment metric lines, evaluated in slices and
 * swapped in whole: scrapes and listings read the last complete evaluation, never a partial one.
 */
export class ScorecardEvaluation {
  private metricsText = Buffer.alloc(0);
  private scorecards = new Map<string, Scorecard>();
  /** Each deployment's last evaluation with its metric lines, for the state it was made from. */
  private evaluations = new Map<string, Evaluation>();
  private evaluationsOf: ProjectionState | undefined;
  private evaluating: Promise<void> | undefined;

  constructor(
    private readonly state: () => ProjectionState,
    private readonly now: () => Date,
  ) {}

  /** Re-evaluates every deployment in chunks, then swaps in the new scorecards and metric text. */
  evaluate(): Promise<void> {
    this.evaluating ??= this.evaluateAll().finally(() => (this.evaluating = undefined));
    return this.evaluating;
  }

  /** The per-deployment metric families as exposition text, from the last evaluation. */
  exposition(): Buffer {
    return this.metricsText;
  }

  /** A deployment's scorecard from the last evaluation. */
  scorecard(deploymentId: string): Scorecard | undefined {
    return this.scorecards.get(deploymentId);
  }

  private async evaluateAll(): Promise<void> {
    const now = this.now();
    const nowMs = now.getTime();
    const state = this.state();
    // Another set of shards (or a fresh state): nothing evaluated before applies.
    if (this.evaluationsOf !== state) {
      this.evaluations = new Map();
      this.evaluationsOf = state;
    }
    const previous = this.evaluations;
    const evaluations = new Map<string, Evaluation>();
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
        // Past days of its verdict track were computed: the next snapshot keeps them.
        if (projection.verdictTrack?.unsaved) {
          delete projection.verdictTrack.unsaved;
          state.dirty.add(projection.id);
        }
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
}
