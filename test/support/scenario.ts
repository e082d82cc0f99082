import { seededRandom as seeded } from '@baseliner/analytics';

export { seeded };
const DAY = 86_400_000;

export interface TaskPlan {
  deployment: string;
  /** Day offsets relative to go-live, inclusive. */
  fromDay: number;
  toDay: number;
  perDay: number;
  mode: 'ai' | 'assisted' | 'manual';
  medianSeconds: number;
  errorRate: number;
  actors?: number;
  seed?: number;
}

/** task.completed CloudEvents for a plan, stamped with their real (past) event times. */
export function plannedTasks(goLive: number, plan: TaskPlan): Record<string, unknown>[] {
  const random = seeded(plan.seed ?? 1);
  const events: Record<string, unknown>[] = [];
  for (let d = plan.fromDay; d <= plan.toDay; d += 1) {
    for (let i = 0; i < plan.perDay; i += 1) {
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      events.push({
        specversion: '1.0',
        id: `${plan.deployment}-${plan.mode}-${d}-${i}`,
        source: 'scenario',
        type: 'task.completed',
        time: new Date(goLive + d * DAY + (i % 8) * 3_600_000).toISOString(),
        deployment: plan.deployment,
        data: {
          taskId: `t-${d}-${i}`,
          mode: plan.mode,
          outcome: random() < plan.errorRate ? 'error' : 'success',
          durationSeconds: Math.round(plan.medianSeconds * Math.exp(0.6 * z)),
          actor: `person-${i % (plan.actors ?? 20)}@example.com`,
        },
      });
    }
  }
  return events;
}

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
