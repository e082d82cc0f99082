// The verdict track walked incrementally (a window that slides a day at a time, days read once,
// active users counted once) must say what a from-scratch evaluation of each past day says, and
// a cold walk after a replay must give the verdict a day-by-day (warm) evaluation gave.
import { pastDayVerdict, scorecardOf, type DeploymentProjection, type Scorecard } from '@baseliner/analytics';
import type { Criterion } from '@baseliner/contracts';
import { DAY_VARIATION, NO_CHANGE_TRUTH, runAdoptionDeployment, runTaskDeployment, type Truth } from './generate';

const LOOKS = 45;
const durationAndErrors: Criterion[] = [
  { metric: 'task_duration_p50', relativeChange: -0.1 },
  { metric: 'error_ratio', relativeChange: 0 },
];

const trackOf = (projection: DeploymentProjection) => projection.verdictTrack?.days;

function checkTrack(projection: DeploymentProjection, lastCard: Scorecard, now: Date): void {
  const warm = structuredClone(projection.verdictTrack?.days ?? {});
  const days = Object.keys(warm).map(Number);
  expect(days.length).toBeGreaterThanOrEqual(LOOKS - 2);
  // Each entry as worked out from scratch.
  for (const day of days) expect([day, warm[day]?.[1]]).toEqual([day, pastDayVerdict(projection, day)]);
  // A cold walk (no memo: after a full replay or a restart without a snapshot) gives the same.
  delete projection.verdictTrack;
  const cold = scorecardOf(projection, now) as Scorecard;
  expect(trackOf(projection)).toEqual(warm);
  expect([cold.verdict, cold.verdictSince, cold.criteriaVerdict]).toEqual([lastCard.verdict, lastCard.verdictSince, lastCard.criteriaVerdict]);
}

describe('the verdict track, walked incrementally', () => {
  const faster: Truth = { ...NO_CHANGE_TRUTH, durationMedian: 180, errorRate: 0.05 };
  const slower: Truth = { ...NO_CHANGE_TRUTH, durationMedian: 330, errorRate: 0.13 };
  it.each([
    ['no change', NO_CHANGE_TRUTH, 11],
    ['40% faster, half the errors', faster, 12],
    ['10% slower, more errors', slower, 13],
  ])('task deployment, %s: every past day as from scratch', (_name, current, seed) => {
    let last: { card: Scorecard; now: Date } | undefined;
    const projection = runTaskDeployment(
      { id: `track-${seed}`, criteria: durationAndErrors, tasksPerDay: 60, baseline: NO_CHANGE_TRUTH, current, variation: DAY_VARIATION, looks: LOOKS },
      seed,
      (_look, card, _projection, now) => void (last = { card, now }),
    );
    checkTrack(projection, last?.card as Scorecard, last?.now as Date);
    // The tracks checked hold decisive days, not only pending ones.
    if (current === faster) expect(last?.card.verdict).toBe('works');
    if (current === slower) expect(last?.card.verdict).toBe('failing');
  });

  it('adoption with declared users (counted once for the whole walk) and p50', () => {
    let last: { card: Scorecard; now: Date } | undefined;
    const projection = runAdoptionDeployment(
      {
        id: 'track-adoption',
        criteria: [{ metric: 'adoption_ratio', atLeast: 0.5 }, { metric: 'task_duration_p50', relativeChange: 0 }],
        users: 20,
        dailyUseProbability: (user) => (user < 14 ? 0.8 : 0.1),
        tasksPerUserPerDay: 3,
        truth: NO_CHANGE_TRUTH,
        variation: DAY_VARIATION,
        firstActiveOffset: -28,
        looks: LOOKS,
      },
      21,
      (_look, card, _projection, now) => void (last = { card, now }),
    );
    checkTrack(projection, last?.card as Scorecard, last?.now as Date);
  });
});
