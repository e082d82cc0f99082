import { criteriaAdvice } from './criteria.rules';

describe('criteria advice', () => {
  it('explains "no worse" targets and suggests a margin in the better direction', () => {
    expect(
      criteriaAdvice([
        { metric: 'task_duration_p50', relativeChange: -0.3 },
        { metric: 'error_ratio', relativeChange: 0 },
        { metric: 'cost_per_task', relativeChange: 0 },
      ]),
    ).toEqual([
      { field: 'criteria[1].relativeChange', message: expect.stringContaining('error_ratio is clearly lower than the baseline') },
      { field: 'criteria[2].relativeChange', message: expect.stringContaining('such as relativeChange 0.05') },
    ]);
  });

  it('has nothing to say about targets with a margin or absolute bounds', () => {
    expect(criteriaAdvice([{ metric: 'error_ratio', relativeChange: 0.05 }, { metric: 'adoption_ratio', atLeast: 0.6 }])).toEqual([]);
  });
});
