import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runDemo, type RunningDemo } from '../../apps/demo/src/demo';
import { exited } from '../support/run-ts';
import { freePort } from '../support/free-port';

// A real Prometheus (Debian's package) with the project's rules, scraping the all-in-one server
// loaded with the demo's stories. Required in CI; skipped with a reason elsewhere if missing.
const available = !spawnSync('prometheus', ['--version']).error;
if (!available && process.env.CI) throw new Error('prometheus is required in CI (Debian package prometheus)');
if (!available) console.warn('prometheus not installed: skipping the real-Prometheus test (apt-get install prometheus)');

const root = resolve(__dirname, '..', '..');


interface QueryResult {
  status: string;
  error?: string;
  data?: { result: unknown[] };
}

(available ? describe : describe.skip)('dashboards and alerts against a real Prometheus', () => {
  let demo: RunningDemo;
  let prometheus: ChildProcess;
  let promUrl: string;
  let dir: string;
  const query = async (expr: string): Promise<QueryResult> =>
    (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as Promise<QueryResult>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baseliner-prometheus-'));
    demo = await runDemo({ port: 0, dataDir: join(dir, 'data'), live: false });
    const target = new URL(demo.url).host;
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: { scrape_interval: 1s, evaluation_interval: 1s }',
        `rule_files: ['${join(root, 'dashboards/generated/baseliner-rules.yaml')}']`,
        'scrape_configs:',
        `  - job_name: baseliner`,
        `    static_configs: [{ targets: ['${target}'] }]`,
      ].join('\n'),
    );
    prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: 'ignore' },
    );
    // Until two scrapes and a rule evaluation have happened (rates need two samples).
    for (let i = 0; i < 120; i += 1) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        const result = await query('count_over_time(up{job="baseliner"}[1m])');
        const samples = Number((result.data?.result[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0);
        if (samples >= 4) break;
      } catch {
        // not up yet
      }
    }
  }, 120_000);

  afterAll(async () => {
    prometheus?.kill('SIGTERM');
    if (prometheus) await exited(prometheus);
    await demo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes Baseliner', async () => {
    const up = await query('up{job="baseliner"}');
    expect((up.data?.result[0] as { value: [number, string] }).value[1]).toBe('1');
  });

  // The demo runs without Kafka: these panels' queries must run, and have data only where Kafka does.
  const ONLY_WITH_KAFKA = new Set(['Kafka consumer lag']);

  it('runs every panel query of every generated dashboard without error, and each returns data', async () => {
    const deployments = ['doc-review', 'dispatch', 'governance', 'invoice-sync', 'claims-triage', 'hr-pilot'];
    const empty: string[] = [];
    let queries = 0;
    for (const file of readdirSync(join(root, 'dashboards/generated')).filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(readFileSync(join(root, 'dashboards/generated', file), 'utf8')) as {
        panels: { title: string; targets?: { expr: string }[] }[];
      };
      for (const panel of dashboard.panels) {
        for (const { expr } of panel.targets ?? []) {
          queries += 1;
          let hasData = false;
          // A templated query has data if it has data for at least one of the demo's deployments.
          for (const deployment of expr.includes('$deployment') ? deployments : ['-']) {
            const result = await query(expr.replaceAll('$deployment', deployment).replaceAll('$__rate_interval', '1m'));
            expect({ file, panel: panel.title, expr, status: result.status, error: result.error }).toMatchObject({ status: 'success' });
            if ((result.data?.result.length ?? 0) > 0) {
              hasData = true;
              break;
            }
          }
          if (!hasData && !ONLY_WITH_KAFKA.has(panel.title)) empty.push(`${file} / ${panel.title}: ${expr}`);
        }
      }
    }
    expect(queries).toBeGreaterThan(40);
    expect(empty).toEqual([]);
  }, 120_000);

  it('puts the adoption drop-off alert in pending (then firing after 6 h) for the abandoned dispatch agent, and only for it', async () => {
    let alerts: { labels: { alertname: string; deployment?: string }; state: string }[] = [];
    for (let i = 0; i < 20; i += 1) {
      alerts = ((await (await fetch(`${promUrl}/api/v1/alerts`)).json()) as { data: { alerts: typeof alerts } }).data.alerts;
      if (alerts.some((a) => a.labels.alertname === 'BaselinerAdoptionDroppedOff')) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const dropped = alerts.filter((a) => a.labels.alertname === 'BaselinerAdoptionDroppedOff');
    expect(dropped.map((a) => [a.labels.deployment, a.state])).toEqual([['dispatch', 'pending']]);
    const failing = alerts.filter((a) => a.labels.alertname === 'BaselinerVerdictFailing').map((a) => a.labels.deployment).sort();
    expect(failing).toEqual(['claims-triage', 'dispatch']);
  });
});
