import { seededRandom } from '@baseliner/analytics';
import type { Criterion } from '@baseliner/contracts';
import type { BaselinerClient } from '@baseliner/sdk';
import { stableId } from '@baseliner/sdk';

const DAY = 86_400_000;

/** What a story sends: the SDK client's helpers it uses (a real client, or a recorder). */
export type DemoSink = Pick<BaselinerClient, 'taskCompleted' | 'aiDisabled' | 'aiOverridden' | 'escalationRaised' | 'errorDownstream'>;

export interface Story {
  id: string;
  registration: {
    name: string;
    owner: { name: string; email: string };
    workflow: string;
    timezone?: string;
    eligibleUsers?: number;
    criteria: Criterion[];
  };
  /**
   * A staggered go-live: the segments (`data.segment`) that go live on each day counted from
   * go-live (the first wave on day 0). Without it the whole deployment goes live on day 0.
   */
  waves?: { day: number; segments: string[] }[];
  /** Events of one day, `day` counted from go-live (negative: the baseline weeks). */
  day(client: DemoSink, day: number, at: (hour: number) => Date, random: () => number): void;
}

const owner = (name: string, email: string) => ({ name, email });
const durations = (random: () => number, median: number) => Math.round(median * Math.exp(0.5 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));

function tasks(
  client: DemoSink,
  story: string,
  day: number,
  count: number,
  at: (hour: number) => Date,
  random: () => number,
  shape: (i: number) => { mode: 'ai' | 'assisted' | 'manual'; median: number; errorRate: number; actor: string; costUsd?: number; segment?: string },
): void {
  for (let i = 0; i < count; i += 1) {
    const { mode, median, errorRate, actor, costUsd, segment } = shape(i);
    client.taskCompleted({
      id: stableId('demo', story, day, i),
      time: at(8 + (i % 9)),
      taskId: `${story}-${day}-${i}`,
      mode,
      outcome: random() < errorRate ? 'error' : 'success',
      durationSeconds: durations(random, median),
      actor,
      ...(costUsd !== undefined && { costUsd: Math.round(costUsd * (0.5 + random()) * 100) / 100 }),
      ...(segment !== undefined && { segment }),
    });
  }
}

/** The six stories of the product brief and a staggered rollout, as deployments with their own event streams. */
export const STORIES: Story[] = [
  {
    id: 'doc-review',
    registration: {
      name: 'Contract review assistant',
      owner: owner('Dana Reyes', 'dana.reyes@example.com'),
      workflow: 'legal: contract review',
      timezone: 'Europe/Berlin',
      eligibleUsers: 20,
      criteria: [
        { metric: 'task_duration_p50', relativeChange: -0.3 },
        { metric: 'error_ratio', relativeChange: 0 },
        { metric: 'adoption_ratio', atLeast: 0.6 },
      ],
    },
    day(client, day, at, random) {
      const live = day >= 0;
      tasks(client, 'doc-review', day, 30, at, random, (i) => ({
        mode: live ? 'ai' : 'manual',
        median: live ? 240 : 600,
        errorRate: live ? 0.04 : 0.1,
        actor: `reviewer-${i % 20}`,
        costUsd: live ? 0.9 : 4.5, // reviewer time vs model and reviewer time
      }));
      if (live && day % 3 === 0) client.escalationRaised({ id: stableId('demo', 'doc-esc', day), time: at(11), to: day < 20 ? 'builder' : 'operator' });
      if (live && day % 2 === 0) client.aiOverridden({ id: stableId('demo', 'doc-ovr', day), time: at(12), actor: `reviewer-${day % 20}` });
    },
  },
  {
    id: 'dispatch',
    registration: {
      name: 'Dispatch planning agent',
      owner: owner('Sam Okafor', 'sam.okafor@example.com'),
      workflow: 'field service dispatch',
      timezone: 'America/Chicago',
      eligibleUsers: 12,
      criteria: [{ metric: 'adoption_ratio', atLeast: 0.5 }, { metric: 'task_duration_p50', relativeChange: -0.2 }],
    },
    day(client, day, at, random) {
      // Tried for two weeks, then switched off every morning: it breaks an unwritten rule.
      const abandoned = day >= 14;
      if (abandoned) for (let i = 0; i < 12; i += 1) client.aiDisabled({ id: stableId('demo', 'dispatch-off', day, i), time: at(7), actor: `dispatcher-${i}`, scope: 'user' });
      tasks(client, 'dispatch', day, 24, at, random, (i) => ({
        mode: day >= 0 && !abandoned ? 'ai' : 'manual',
        median: 300,
        errorRate: 0.08,
        actor: `dispatcher-${i % 12}`,
      }));
    },
  },
  {
    id: 'governance',
    registration: {
      name: 'Policy governance copilot',
      owner: owner('Mei Chen', 'mei.chen@example.com'),
      workflow: 'compliance checks',
      eligibleUsers: 20,
      criteria: [{ metric: 'adoption_ratio', atLeast: 0.6 }, { metric: 'ai_task_share', atLeast: 0.5 }],
    },
    day(client, day, at, random) {
      // Adoption climbs week by week from 10% to everyone in five weeks: failing at first, works
      // once all 20 use it (with 20 people, 85% is still within the noise of a 60% target).
      const adopters = day < 0 ? 0 : Math.min(20, 2 + 4 * Math.floor(day / 7));
      tasks(client, 'governance', day, 20, at, random, (i) => ({
        mode: i < adopters ? 'assisted' : 'manual',
        median: 900,
        errorRate: 0.05,
        actor: `analyst-${i}`,
      }));
    },
  },
  {
    id: 'invoice-sync',
    registration: {
      name: 'Invoice extraction integration',
      owner: owner('Lena Fischer', 'lena.fischer@example.com'),
      workflow: 'accounts payable',
      timezone: 'America/New_York',
      criteria: [
        { metric: 'task_duration_p50', relativeChange: -0.5 },
        { metric: 'error_ratio', atMost: 0.15 },
      ],
    },
    day(client, day, at, random) {
      // Works overall: invoices keyed by hand took 4 minutes with 10% typing errors; extracted, a
      // minute with 2%. But a partner system's maintenance window breaks it every Tuesday (New
      // York time): 20% errors that day. Overall it still beats the old way — the scorecard's
      // verdict says works, its weekday warning says Tuesdays.
      const live = day >= 0;
      const tuesday = new Date(at(12).getTime() - 5 * 3_600_000).getUTCDay() === 2;
      tasks(client, 'invoice-sync', day, 25, at, random, (i) => ({
        mode: live ? 'ai' : 'manual',
        median: live ? 60 : 240,
        errorRate: !live ? 0.1 : tuesday ? 0.2 : 0.02,
        actor: `clerk-${i % 6}`,
      }));
    },
  },
  {
    id: 'claims-triage',
    registration: {
      name: 'Claims triage model',
      owner: owner('Ravi Patel', 'ravi.patel@example.com'),
      workflow: 'insurance claims intake',
      criteria: [{ metric: 'error_ratio', relativeChange: -0.2 }, { metric: 'downstream_error_ratio', relativeChange: 0 }],
    },
    day(client, day, at, random) {
      const live = day >= 0;
      tasks(client, 'claims-triage', day, 30, at, random, (i) => ({
        mode: live ? 'ai' : 'manual',
        median: live ? 120 : 400,
        errorRate: live ? 0.03 : 0.12,
        actor: `handler-${i % 10}`,
      }));
      // The triage step looks better; the errors now surface in settlement.
      const downstream = live ? 6 : 1;
      for (let i = 0; i < downstream; i += 1) client.errorDownstream({ id: stableId('demo', 'claims-down', day, i), time: at(15), stage: 'settlement' });
    },
  },
  {
    id: 'hr-pilot',
    registration: {
      name: 'HR letters pilot',
      owner: owner('Jonas Berg', 'jonas.berg@example.com'),
      workflow: 'HR correspondence',
      criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }],
    },
    day(client, day, at, random) {
      // A pilot: a handful of letters a day, and only for the last ten days.
      if (day < -28 || (day >= 0 && day < 32)) return;
      tasks(client, 'hr-pilot', day, day < 0 ? 5 : 2, at, random, (i) => ({
        mode: day >= 0 ? 'ai' : 'manual',
        median: day >= 0 ? 300 : 900,
        errorRate: 0.05,
        actor: `hr-${i}`,
      }));
    },
  },
  {
    id: 'support-replies',
    registration: {
      name: 'Support reply drafts',
      owner: owner('Ana Costa', 'ana.costa@example.com'),
      workflow: 'customer support: ticket replies',
      timezone: 'Europe/Berlin',
      criteria: [{ metric: 'task_duration_p50', relativeChange: -0.25 }],
    },
    // Rolled out desk by desk: Berlin on day 0, Lisbon five weeks later. Until then Lisbon is the
    // comparison.
    waves: [
      { day: 0, segments: ['berlin'] },
      { day: 35, segments: ['lisbon'] },
    ],
    day(client, day, at) {
      // A product launch the week of go-live makes every ticket harder (+35% handling time, both
      // desks). Before/after credits that to the AI and sees only about -19%; against Lisbon,
      // still manual, the drafts take about 40% off: difference-in-differences.
      // Its own random stream per day, so the other stories draw exactly as before.
      const random = seededRandom(7_000_000 + day);
      const launch = day >= 0 ? 1.35 : 1;
      for (const [desk, liveFrom] of [['berlin', 0], ['lisbon', 35]] as const) {
        const live = day >= liveFrom;
        tasks(client, `support-${desk}`, day, 30, at, random, (i) => ({
          mode: live ? 'ai' : 'manual',
          median: 600 * launch * (live ? 0.6 : 1),
          errorRate: 0.06,
          actor: `${desk}-agent-${i % 10}`,
          segment: desk,
        }));
      }
    },
  },
];

export const GO_LIVE_DAYS_AGO = 42;
export const BASELINE_DAYS = 28;
export { DAY };

export const seeded = seededRandom;
