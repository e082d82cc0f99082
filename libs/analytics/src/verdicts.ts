/** What a deployment's scorecard can say (the scorecard schema's `DeploymentVerdict`). */
export const VERDICTS = ['pending', 'insufficient_data', 'inconclusive', 'works', 'failing', 'rolled_back', 'retired'] as const;
export type Verdict = (typeof VERDICTS)[number];
