import { applyLifecycleEvent, emptyProjection, scorecardOf, type Scorecard } from '@baseliner/analytics';
import { METRIC_NAMES } from '@baseliner/contracts';
import { DEPLOYMENT_FAMILY_LIST, deploymentSeries } from './deployment-metrics';
import { assembleExposition } from './exposition';

const NOW = new Date('2026-12-01T12:00:00Z');

function registered() {
  const projection = emptyProjection('support-replies');
  const at = '2026-10-01T00:00:00.000Z';
  applyLifecycleEvent(projection, {
    type: 'DeploymentRegistered',
    data: { id: 'support-replies', name: 'Support reply drafts', owner: { name: 'Ana Costa', email: 'ana.costa@example.com' }, timezone: 'UTC', rampUpDays: 7, registeredAt: at },
  });
  applyLifecycleEvent(projection, { type: 'CriteriaDefined', data: { criteria: [{ metric: 'task_duration_p50', relativeChange: -0.25 }], definedAt: at } });
  applyLifecycleEvent(projection, { type: 'WentLive', data: { at: '2026-10-26T08:00:00.000Z', recordedAt: at, segments: ['berlin'] } });
  return projection;
}

const designLines = (text: string) => text.split('\n').filter((line) => line.includes(METRIC_NAMES.comparisonDesign));

describe('baseliner_comparison_design', () => {
  it('exports both designs for each deployment, 1 for the scorecard’s', () => {
    const projection = registered();
    const card = scorecardOf(projection, NOW) as Scorecard;
    expect(card.comparison.design).toBe('before_after');
    expect(designLines(assembleExposition(DEPLOYMENT_FAMILY_LIST, [deploymentSeries(projection, card).blocks()]))).toEqual([
      '# HELP baseliner_comparison_design How baseline-compared criteria are judged (1 for the current one): difference_in_differences against segments not yet live, or before_after',
      '# TYPE baseliner_comparison_design gauge',
      'baseliner_comparison_design{deployment="support-replies",design="difference_in_differences"} 0',
      'baseliner_comparison_design{deployment="support-replies",design="before_after"} 1',
    ]);
    const did: Scorecard = { ...card, comparison: { ...card.comparison, design: 'difference_in_differences', liveSegments: ['berlin'], comparisonSegments: ['lisbon'] } };
    expect(designLines(assembleExposition(DEPLOYMENT_FAMILY_LIST, [deploymentSeries(projection, did).blocks()])).slice(2)).toEqual([
      'baseliner_comparison_design{deployment="support-replies",design="difference_in_differences"} 1',
      'baseliner_comparison_design{deployment="support-replies",design="before_after"} 0',
    ]);
  });
});
