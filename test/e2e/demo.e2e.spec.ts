import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../apps/demo/src/demo';
import { client } from '../support/test-server';

describe('npm run demo', () => {
  it('shows seven deployments with verdicts — some work, some fail, one judged against a desk not yet live — well within two minutes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baseliner-demo-'));
    const started = Date.now();
    const demo = await runDemo({ port: 0, dataDir: join(dir, 'data'), live: true, liveEveryMs: 200 });
    try {
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).toBeLessThan(120);
      expect(demo.backfilledEvents).toBeGreaterThan(5_000);
      const list = (await client(demo.url, demo.adminToken).get('/v1/deployments')).body as { id: string; verdict?: string }[];
      expect(Object.fromEntries(list.map((d) => [d.id, d.verdict]))).toEqual({
        'doc-review': 'works',
        dispatch: 'failing',
        governance: 'works',
        // Works overall (errors down from 10% to about 5%) but breaks every Tuesday: a warning.
        'invoice-sync': 'works',
        'claims-triage': 'failing',
        'hr-pilot': 'insufficient_data',
        // Rolled out desk by desk: judged against the desk not yet live (difference-in-differences).
        'support-replies': 'works',
      });
      const scorecard = async (id: string) => (await client(demo.url, demo.adminToken).get(`/v1/deployments/${id}/scorecard`)).body;
      const invoices = await scorecard('invoice-sync');
      expect(Object.entries(invoices.weekday.anomaly).filter(([, flagged]) => flagged).map(([day]) => day)).toEqual(['tue']);
      expect(invoices.warnings).toEqual([expect.objectContaining({ kind: 'weekday_pattern', weekday: 'tue', message: expect.stringMatching(/^Tuesdays fail more/) })]);
      expect(invoices.metrics.error_ratio.change.estimate).toBeLessThan(0);
      // Failing for a reason the scorecard names: the errors it moved downstream.
      const support = await scorecard('support-replies');
      expect(support.comparison).toMatchObject({ design: 'difference_in_differences', liveSegments: ['berlin'], comparisonSegments: ['lisbon'] });
      const claims = await scorecard('claims-triage');
      expect(claims.decidedBy).toMatchObject({ metric: 'downstream_error_ratio', status: 'not_met', sentence: expect.stringMatching(/^downstream error ratio \+\d+%/) });
      // Right after the start, every deployment's last event is the live stream's, minutes old at most.
      for (const d of list) expect(Date.now() - Date.parse((await scorecard(d.id)).lastEventAt)).toBeLessThan(120_000);
      // Live events keep arriving after the backfill (ticks every 200 ms here; the SDK sends within 1 s).
      const lastEventAt = async () => Date.parse((await client(demo.url, demo.adminToken).get('/v1/deployments/doc-review/scorecard')).body.lastEventAt);
      const before = await lastEventAt();
      let after = before;
      for (let i = 0; i < 40 && after <= before; i += 1) {
        await new Promise((r) => setTimeout(r, 250));
        after = await lastEventAt();
      }
      expect(after).toBeGreaterThan(before);
    } finally {
      await demo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
