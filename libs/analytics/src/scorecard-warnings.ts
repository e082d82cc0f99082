import { ALERT_THRESHOLDS } from '@baseliner/contracts';
import type { Adoption } from './adoption';
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
  | (Said & { kind: 'silent'; silentHours: number | null; lastEventAt?: string });

export type ScorecardWarningKind = ScorecardWarning['kind'];

export interface WarningInputs {
  now: Date;
  phase: 'registered' | 'live' | 'rolled_back' | 'retired';
  timezone: string;
  weekday: WeekdayPattern;
  adoption?: Adoption;
  metrics: Record<ComparedMetric, MetricComparison>;
  lastEventTime?: number;
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

/** The scorecard's warnings, most urgent first: silence, adoption, errors moved downstream, weekdays. */
export function scorecardWarnings(inputs: WarningInputs): ScorecardWarning[] {
  return [...silenceWarning(inputs), ...adoptionWarning(inputs), ...downstreamWarning(inputs), ...weekdayWarnings(inputs)];
}
