import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ADOPTION_DROP_WARNING_RATIO, SILENT_WARNING_MS } from '@baseliner/analytics';
import { ALERT_THRESHOLDS, METRIC_NAMES, PROCESS_METRIC_NAMES, SCRAPE_METRIC_NAMES } from '@baseliner/contracts';
import { RECORDED } from './src/rules';

// The committed dashboards, rules and the promtool tests may name only metrics that exist:
// Baseliner's (libs/contracts/src/metric-names.ts, which test/e2e/metric-names.e2e.spec.ts checks
// against a running server's /metrics), prom-client's, Prometheus's own, or a recording rule's.
// A misspelt or renamed metric in a panel or alert shows nothing and pages no one, silently.

const root = join(__dirname, '..');
const files = [
  ...readdirSync(join(root, 'dashboards/generated')).map((name) => `dashboards/generated/${name}`),
  'dashboards/tests/rules.test.yaml',
];
const metricLike = /\b(?:baseliner[_:]|process_|nodejs_|scrape_)[a-zA-Z0-9_:]*/g;

interface RuleGroup {
  rules: { record?: string; alert?: string; expr: string }[];
}
const rules = parse(readFileSync(join(root, 'dashboards/generated/baseliner-rules.yaml'), 'utf8')) as { groups: RuleGroup[] };
const allRules = rules.groups.flatMap((group) => group.rules);
const alertExpr = (alert: string) => allRules.find((rule) => rule.alert === alert)?.expr;

describe('metric names and thresholds in the generated dashboards and rules', () => {
  it('the generated files are all there: three dashboards and the rules', () => {
    expect(files).toEqual(
      expect.arrayContaining(['baseliner-portfolio.json', 'baseliner-deployment.json', 'baseliner-operations.json', 'baseliner-rules.yaml'].map((name) => `dashboards/generated/${name}`)),
    );
  });

  it('every series a recording rule adds is in RECORDED, and every RECORDED name is recorded', () => {
    const recorded = allRules.flatMap((rule) => (rule.record ? [rule.record] : []));
    expect(recorded.sort()).toEqual(Object.values(RECORDED).sort());
  });

  it.each(files)('%s names only metrics from the metric-names module or recording rules', (file) => {
    const known = new Set<string>([
      ...Object.values(METRIC_NAMES),
      ...Object.values(PROCESS_METRIC_NAMES),
      ...Object.values(SCRAPE_METRIC_NAMES),
      ...Object.values(RECORDED),
    ]);
    const named = new Set(readFileSync(join(root, file), 'utf8').match(metricLike) ?? []);
    expect(named.size).toBeGreaterThan(0);
    expect([...named].filter((name) => !known.has(name))).toEqual([]);
  });

  it('the alerts compare against ALERT_THRESHOLDS, and the scorecard warns at the same thresholds', () => {
    const t = ALERT_THRESHOLDS;
    expect(alertExpr('BaselinerAdoptionDroppedOff')).toMatch(new RegExp(`^${METRIC_NAMES.adoptionDropRatio} > ${t.adoptionDropRatio} and `));
    expect(alertExpr('BaselinerDeploymentSilent')).toMatch(new RegExp(`^${RECORDED.deploymentSilence} > ${t.deploymentSilentSeconds} and `));
    expect(alertExpr('BaselinerReversionHigh')).toContain(`> ${t.reversionRatio} and `);
    expect(alertExpr('BaselinerStillNeedsItsBuilders')).toContain(`> ${t.builderEscalationRatio} and `);
    expect(alertExpr('BaselinerIntakeRejecting')).toBe(`${RECORDED.eventsRejectedRatio} > ${t.intakeRejectedRatio}`);
    expect(alertExpr('BaselinerProjectionLagging')).toBe(`${METRIC_NAMES.projectionLag} > ${t.projectionLagSeconds}`);
    expect(alertExpr('BaselinerKafkaLagGrowing')).toMatch(new RegExp(`^${RECORDED.kafkaConsumerLagSum} > ${t.kafkaConsumerLagRecords} and `));
    // What would page someone is what the scorecard's warnings say.
    expect(ADOPTION_DROP_WARNING_RATIO).toBe(t.adoptionDropRatio);
    expect(SILENT_WARNING_MS).toBe(t.deploymentSilentSeconds * 1000);
  });
});
