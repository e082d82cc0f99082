import { loadStatusRows } from './status-table';

// The server's answers for one deployment, as GET would return them.
function answers(verdict: string): <T>(path: string) => Promise<T> {
  const scorecard = {
    verdict,
    decidedBy: { short: 'time p50: few tasks', sentence: '' },
    warnings: [],
    comparison: { design: 'before_after', comparisonSegments: [] },
    metrics: { task_duration_p50: { change: { estimate: -0.73 } }, error_ratio: { change: { estimate: -1 } } },
    adoption: { adoptionRatio: null, reversionRatio: null },
  };
  const byPath: Record<string, unknown> = {
    '/v1/deployments': [{ id: 'hr-pilot', owner: { name: 'Hana Ito' }, phase: 'live' }],
    '/v1/deployments/hr-pilot/scorecard': scorecard,
    '/v1/deployments/hr-pilot': { wentLiveAt: '2026-11-01T09:00:00Z' },
  };
  return async <T>(path: string) => byPath[path] as T;
}

describe('baseliner status', () => {
  it('shows no changes before they are evidence (insufficient data, pending): "time −73%" would read like a result', async () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    for (const verdict of ['insufficient_data', 'pending']) {
      const [row] = await loadStatusRows(answers(verdict), now);
      expect(row).toMatchObject({ timeChange: null, errorChange: null });
    }
    const [judged] = await loadStatusRows(answers('inconclusive'), now);
    expect(judged).toMatchObject({ timeChange: -0.73, errorChange: -1 });
  });
});
