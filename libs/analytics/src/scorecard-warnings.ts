import { ALERT_THRESHOLDS, type DeploymentPhase } from '@baseliner/contracts';
import type { Adoption } from './adoption';
import type { BeforeAfterChecks, DriftMetric } from './before-after-checks';
import { WEEKDAYS, type Weekday } from './local-time';
import { percentInWords } from './verdict-explanation';
import type { WeekdayPattern } from './weekday-pattern';
import type { ComparedMetric, MetricComparison } from './window-metrics';

// The alert rules' own thresholds (dashboards/src/rules.ts uses the same object), so that the
// scorecard warns about exactly what would page someone.
/** BaselinerAdoptionDroppedOff: 7-day active users below half of their peak in the last 28 days. */
export const ADOPTION_DROP_WARNING_RATIO = ALERT_THRESHOLDS.adoptionDropRatio;
/** BaselinerDeploymentSilent: a live deployment with no events for a day. */
export const SILENT_WARNING_MS = ALERT_THRESHOLDS.deploymentSilentSeconds * 1000;

interface Said {
  /** One line for people. */
  message: string;
  /** A few words for a table cell. */
  short: string;
}

/** Something worth a look whatever the verdict: a verdict of `works` can hide each of these. */
export type ScorecardWarning =
  | (Said & {
      kind: 'weekday_pattern';
      weekday: Weekday;
      /** That weekday's error ratio over the whole weeks tested, and the other six days' together. */
      errorRatio: number;
      otherDaysErrorRatio: number;
      weeksTested: number;
    })
  | (Said & { kind: 'adoption_drop'; dropRatio: number; activeUsers7d: number; peakActiveUsers7d: number })
  | (Said & {
      kind: 'downstream_shift';
      /** Relative changes current vs baseline (point estimates; both intervals lie on their side of 0). */
      errorChange: number;
      downstreamErrorChange: number;
    })
  | (Said & { kind: 'silent'; silentHours: number | null; lastEventAt?: string })
  // What a before/after comparison assumes (before-after-checks.ts), only when no segment is a comparison.
  | (Said & {
      kind: 'baseline_drift';
      metric: DriftMetric;
      /** A straight line through the baseline's days: its value at the first and the last day, and later / earlier − 1 with its 99.5% interval. */
      earlier: number;
      later: number;
      change: number;
      changeLower: number;
      changeUpper: number;
    })
  | (Said & {
      kind: 'volume_shift';
      baselineTasksPerDay: number;
      currentTasksPerDay: number;
      /** Ratio of tasks per day − 1 (weekday-matched, geometric) with its 99.9% interval. */
      change: number;
      changeLower: number;
      changeUpper: number;
    })
  | (Said & {
      kind: 'mix_shift';
      /** The segment whose share of tasks moved most, its share before and now; change in share points with its interval. */
      segment: string;
      baselineShare: number;
      currentShare: number;
      change: number;
      changeLower: number;
      changeUpper: number;
      /** Total-variation distance between the two mixes of segments. */
      totalVariation: number;
    });

export type ScorecardWarningKind = ScorecardWarning['kind'];

export interface WarningInputs {
  now: Date;
  phase: DeploymentPhase;
  timezone: string;
  weekday: WeekdayPattern;
  adoption?: Adoption;
  metrics: Record<ComparedMetric, MetricComparison>;
  lastEventTime?: number;
  /** The before/after checks (`beforeAfterChecks`), given only when the design is before/after. */
  beforeAfter?: BeforeAfterChecks;
}

const WEEKDAY_NAMES: Record<Weekday, string> = {
  mon: 'Mondays',
  tue: 'Tuesdays',
  wed: 'Wednesdays',
  thu: 'Thursdays',
  fri: 'Fridays',
  sat: 'Saturdays',
  sun: 'Sundays',
};

function weekdayWarnings({ weekday, timezone }: WarningInputs): ScorecardWarning[] {
  return WEEKDAYS.filter((w) => weekday.anomaly[w]).map((w) => {
    // The figures the test judged: the whole weeks since ramp-up, not the baseline weeks that the
    // descriptive eight weeks may still hold.
    let otherErrors = 0;
    let otherTasks = 0;
    for (const other of WEEKDAYS) {
      if (other === w) continue;
      otherTasks += weekday.testedTasks[other];
      otherErrors += weekday.testedErrors[other];
    }
    const errorRatio = weekday.testedTasks[w] > 0 ? weekday.testedErrors[w] / weekday.testedTasks[w] : 0;
    const otherDaysErrorRatio = otherTasks > 0 ? otherErrors / otherTasks : 0;
    const weeks = weekday.weeksTested === 1 ? 'the last week' : `the last ${weekday.weeksTested} weeks`;
    return {
      kind: 'weekday_pattern',
      weekday: w,
      errorRatio,
      otherDaysErrorRatio,
      weeksTested: weekday.weeksTested,
      message: `${WEEKDAY_NAMES[w]} fail more: ${percentInWords(errorRatio)} errors vs ${percentInWords(otherDaysErrorRatio)} on other days (${weeks}, ${timezone} time)`,
      short: `${w} errors ${percentInWords(errorRatio)}`,
    };
  });
}

function adoptionWarning({ adoption, phase }: WarningInputs): ScorecardWarning[] {
  const drop = adoption?.adoptionDropRatio;
  if (phase !== 'live' || !adoption || drop === null || drop === undefined || !(drop > ADOPTION_DROP_WARNING_RATIO)) return [];
  return [
    {
      kind: 'adoption_drop',
      dropRatio: drop,
      activeUsers7d: adoption.activeUsers7d,
      peakActiveUsers7d: adoption.peakActiveUsers7d,
      message: `adoption dropped ${percentInWords(drop)} from its recent peak: ${adoption.activeUsers7d} active users this week, ${adoption.peakActiveUsers7d} at the peak (last 28 days)`,
      short: `adoption -${percentInWords(drop)}`,
    },
  ];
}

function downstreamWarning({ metrics }: WarningInputs): ScorecardWarning[] {
  const step = metrics.error_ratio.change;
  const downstream = metrics.downstream_error_ratio.change;
  if (!step || !downstream || !(step.upper < 0) || !(downstream.lower > 0)) return [];
  return [
    {
      kind: 'downstream_shift',
      errorChange: step.estimate,
      downstreamErrorChange: downstream.estimate,
      message: `errors moved downstream: ${percentInWords(step.estimate, true)} at this step, ${percentInWords(downstream.estimate, true)} found later (both beyond doubt)`,
      short: 'errors downstream',
    },
  ];
}

function silenceWarning({ phase, lastEventTime, now }: WarningInputs): ScorecardWarning[] {
  if (phase !== 'live') return [];
  if (lastEventTime === undefined) {
    return [{ kind: 'silent', silentHours: null, message: 'live, but no events received yet: is the integration sending?', short: 'no events yet' }];
  }
  const silentMs = now.getTime() - lastEventTime;
  if (!(silentMs > SILENT_WARNING_MS)) return [];
  const hours = Math.floor(silentMs / 3_600_000);
  const span = hours < 48 ? `${hours} h` : `${Math.floor(hours / 24)} days`;
  const lastEventAt = new Date(lastEventTime).toISOString();
  return [
    {
      kind: 'silent',
      silentHours: hours,
      lastEventAt,
      message: `no events for ${span} (last at ${lastEventAt}): is the integration still sending?`,
      short: `silent ${hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`}`,
    },
  ];
}

const DRIFT_METRIC_NAMES: Record<DriftMetric, string> = { error_ratio: 'error ratio', task_duration_p50: 'median duration' };
const COMPARISON_FIX = 'add a comparison segment: go live per segment';

function driftValue(metric: DriftMetric, value: number): string {
  return metric === 'error_ratio' ? percentInWords(value) : `${value >= 100 ? Math.round(value) : Number(value.toPrecision(2))} s`;
}

/**
 * Warnings that a before/after comparison's assumption does not hold (`before-after-checks.ts`),
 * each with its numbers and what to do about it.
 */
export function assumptionWarnings(checks: BeforeAfterChecks): ScorecardWarning[] {
  const warnings: ScorecardWarning[] = [];
  const { drift, volume, mix } = checks;
  if (drift?.drifted) {
    const name = DRIFT_METRIC_NAMES[drift.metric];
    warnings.push({
      kind: 'baseline_drift',
      metric: drift.metric,
      earlier: drift.earlier,
      later: drift.later,
      change: drift.change,
      changeLower: drift.lower,
      changeUpper: drift.upper,
      message:
        `the baseline was not steady: ${name} went from ${driftValue(drift.metric, drift.earlier)} to ${driftValue(drift.metric, drift.later)} ` +
        `over its ${drift.days} days (${percentInWords(drift.change, true)}, beyond doubt), so the before/after change mixes the AI with a trend; ` +
        `${COMPARISON_FIX}, or set a longer baseline. A slower drift (a few percent a week) cannot be seen in a 28-day baseline: no warning does not mean no trend`,
      short: `baseline ${name} ${percentInWords(drift.change, true)}`,
    });
  }
  if (volume?.shifted) {
    const perDay = (x: number) => (x >= 10 ? Math.round(x).toString() : x.toFixed(1));
    warnings.push({
      kind: 'volume_shift',
      baselineTasksPerDay: volume.baselineTasksPerDay,
      currentTasksPerDay: volume.currentTasksPerDay,
      change: volume.change,
      changeLower: volume.lower,
      changeUpper: volume.upper,
      message:
        `tasks per day changed at go-live: ${perDay(volume.baselineTasksPerDay)} before, ${perDay(volume.currentTasksPerDay)} now ` +
        `(${percentInWords(volume.change, true)}, 99.9% interval ${percentInWords(volume.lower, true)} to ${percentInWords(volume.upper, true)}, same weekdays compared): ` +
        `a busy season or re-routed work changes errors and durations too, and before/after credits it all to the AI; to tell them apart, ${COMPARISON_FIX}`,
      short: `volume ${percentInWords(volume.change, true)}`,
    });
  }
  if (mix?.shifted) {
    const points = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(0)} points`;
    warnings.push({
      kind: 'mix_shift',
      segment: mix.segment,
      baselineShare: mix.baselineShare,
      currentShare: mix.currentShare,
      change: mix.change,
      changeLower: mix.lower,
      changeUpper: mix.upper,
      totalVariation: mix.totalVariation,
      message:
        `the mix of work changed at go-live: segment ${mix.segment} was ${percentInWords(mix.baselineShare)} of tasks before, ${percentInWords(mix.currentShare)} now ` +
        `(${points(mix.change)}, beyond doubt; ${percentInWords(mix.totalVariation)} of the work moved between segments), ` +
        `so before/after compares different work; to compare like with like, ${COMPARISON_FIX}`,
      short: `mix ${mix.segment} ${points(mix.change)}`,
    });
  }
  return warnings;
}

/** The scorecard's warnings, most urgent first: silence, adoption, errors moved downstream, before/after assumptions, weekdays. */
export function scorecardWarnings(inputs: WarningInputs): ScorecardWarning[] {
  const assumptions = inputs.beforeAfter ? assumptionWarnings(inputs.beforeAfter) : [];
  return [...silenceWarning(inputs), ...adoptionWarning(inputs), ...downstreamWarning(inputs), ...assumptions, ...weekdayWarnings(inputs)];
}
