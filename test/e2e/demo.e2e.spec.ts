import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../../apps/demo/src/demo';
import { client } from '../support/test-server';

describe('npm run demo', () => {
  it('shows six deployments with verdicts — some work, some fail — well within two minutes', async () => {
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
        // 9% errors on average but 45% every Tuesday: days, not tasks, are the evidence, and they
        // cannot yet tell it apart from the 15% limit.
        'invoice-sync': 'inconclusive',
        'claims-triage': 'failing',
        'hr-pilot': 'insufficient_data',
      });
      const weekdays = (await client(demo.url, demo.adminToken).get('/v1/deployments/invoice-sync/scorecard')).body.weekday.anomaly;
      expect(Object.entries(weekdays).filter(([, flagged]) => flagged).map(([day]) => day)).toEqual(['tue']);
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
