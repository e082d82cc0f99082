/** Realistic telemetry for benchmarks: mostly task.completed, some adoption events, many actors. */
export function benchEvents(deployment: string, prefix: string, count: number, start = 0): Record<string, unknown>[] {
  const now = Date.now();
  const events: Record<string, unknown>[] = [];
  for (let i = start; i < start + count; i += 1) {
    const actor = `user-${i % 250}@example.com`;
    const time = new Date(now - (i % 86_400) * 1000).toISOString();
    const base = { specversion: '1.0', id: `${prefix}-${i}`, source: 'bench/doc-svc', time, deployment };
    events.push(
      i % 10 === 0
        ? { ...base, type: 'ai.used', data: { actor, feature: 'summarise' } }
        : {
            ...base,
            type: 'task.completed',
            data: {
              taskId: `task-${i}`,
              mode: i % 3 === 0 ? 'manual' : 'ai',
              outcome: i % 17 === 0 ? 'error' : 'success',
              durationSeconds: 30 + (i % 600),
              actor,
              costUsd: 0.02,
              segment: 'contracts',
            },
          },
    );
  }
  return events;
}
