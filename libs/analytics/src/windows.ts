import type { RegisteredDeployment } from '@baseliner/domain';
import { localDay } from './local-time';

/** A span of whole local days, both ends included. */
export interface DayWindow {
  fromDay: number;
  toDay: number;
}

export const WINDOW_DAYS = 28;

export interface Windows {
  today: number;
  baseline?: DayWindow;
  /** Absent before go-live and during ramp-up. */
  current?: DayWindow;
  inRampUp: boolean;
  /** The go-live local day (the first wave's), once live. */
  goLiveDay?: number;
}

/**
 * The comparison windows in the deployment's local days. Baseline: the explicit window, else
 * the 28 days before the go-live day. Current: the latest 28 days, starting no earlier than
 * go-live + ramp-up, ending at rollback or retirement if any. Whole days, so the go-live day
 * itself falls in ramp-up (or, with no ramp-up, in the current window).
 */
export function windowsOf(deployment: RegisteredDeployment, now: Date): Windows {
  const zone = deployment.timezone;
  const today = localDay(now.getTime(), zone);
  const goLiveDay = deployment.wentLiveAt ? localDay(Date.parse(deployment.wentLiveAt), zone) : undefined;
  let baseline: DayWindow | undefined;
  if (deployment.baselineWindow) {
    const { from, to } = deployment.baselineWindow;
    baseline = { fromDay: localDay(Date.parse(from), zone), toDay: localDay(Date.parse(to) - 1, zone) };
  } else if (goLiveDay !== undefined) {
    baseline = { fromDay: goLiveDay - WINDOW_DAYS, toDay: goLiveDay - 1 };
  }
  if (goLiveDay === undefined) return { today, baseline, inRampUp: false };

  const endings = [now.getTime()];
  if (deployment.rolledBack) endings.push(Date.parse(deployment.rolledBack.at));
  if (deployment.retired) endings.push(Date.parse(deployment.retired.at));
  const toDay = localDay(Math.min(...endings), zone);
  const fromDay = Math.max(toDay - WINDOW_DAYS + 1, goLiveDay + deployment.rampUpDays);
  if (fromDay > toDay) return { today, baseline, inRampUp: true, goLiveDay };
  return { today, baseline, current: { fromDay, toDay }, inRampUp: false, goLiveDay };
}
