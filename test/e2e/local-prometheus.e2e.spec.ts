import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ProjectorService } from '@baseliner/projector';
import { eventually } from '../support/eventually';
import { describeRequiring } from '../support/requires';
import { exited, onLines } from '../support/run-ts';
import { client, deploymentWithKey, startTestServer, taskCompleted, type TestServer } from '../support/test-server';
import { freePort } from '../support/free-port';

// `npm run prometheus:local`: the host's Prometheus with deploy/local/prometheus.yml scraping a
// Baseliner on this machine. Run here as a user runs it, with PORT pointing at the test server,
// /metrics locked with BASELINER_METRICS_TOKEN and the script given the same variable (the only
// changes the script makes to the config: the target, and the bearer token from a file), and
// Prometheus on a free port.
const root = resolve(__dirname, '..', '..');
const localConfig = join(root, 'deploy/local/prometheus.yml');
const promtool = spawnSync('promtool', ['--version']).error;
const prometheus = spawnSync('prometheus', ['--version']).error;
const missing = promtool || prometheus ? 'prometheus and promtool not installed (Debian: apt-get install prometheus)' : undefined;
const METRICS_TOKEN = `mt_${'k'.repeat(40)}`;


interface QueryResult {
  status: string;
  data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

describeRequiring('Prometheus without Docker (npm run prometheus:local)', missing, 'the prometheus Debian package', () => {
  let server: TestServer;
  let runner: ChildProcess;
  let dataDir: string;
  let promUrl: string;
  let output = '';
  const query = async (expr: string): Promise<QueryResult> => {
    try {
      return (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)).json()) as QueryResult;
    } catch {
      return { status: 'unreachable' };
    }
  };

  beforeAll(async () => {
    server = await startTestServer({ config: { metricsToken: METRICS_TOKEN } });
    // Locked: without the token there is nothing to scrape.
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const key = await deploymentWithKey(server.url, server.adminToken, 'doc-review');
    const sent = await client(server.url, key).post('/v1/events', [taskCompleted('doc-review'), taskCompleted('doc-review', {}, { outcome: 'error' })]);
    expect(sent.status).toBe(202);
    await server.app.get(ProjectorService).catchUp();
    await server.app.get(ProjectorService).evaluate();

    dataDir = mkdtempSync(join(tmpdir(), 'baseliner-local-prometheus-'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [command, ...args] = packageJson.scripts['prometheus:local']?.split(' ') ?? [];
    expect(command).toBe('node');
    runner = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, PORT: new URL(server.url).port, PROMETHEUS_PORT: String(port), PROMETHEUS_DATA_DIR: dataDir, BASELINER_METRICS_TOKEN: METRICS_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onLines(runner.stdout, (line) => (output += `${line}\n`));
    onLines(runner.stderr, (line) => (output += `${line}\n`));
    // The script says where things are once it has written its config and started Prometheus.
    await eventually(async () => output, (text) => text.includes('Prometheus on') || runner.exitCode !== null, 15_000, 100);
    expect({ running: runner.exitCode === null, output }).toMatchObject({ running: true });
  }, 30_000);

  afterAll(async () => {
    if (runner) {
      runner.kill('SIGINT');
      await exited(runner);
    }
    await server?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('passes promtool check config, rules included', () => {
    const check = spawnSync('promtool', ['check', 'config', localConfig], { encoding: 'utf8' });
    expect({ status: check.status, output: check.stdout + check.stderr }).toMatchObject({ status: 0 });
    expect(check.stdout).toMatch(/SUCCESS: 1 rule files found/);
    expect(check.stdout).toMatch(/baseliner-rules\.yaml[\s\S]*SUCCESS: \d+ rules found/);
  });

  it('runs the config as it is in the repository, but for the scrape target and the bearer token (from a 0600 file)', () => {
    const original = parse(readFileSync(localConfig, 'utf8'));
    const written = parse(readFileSync(join(dataDir, 'prometheus.yml'), 'utf8'));
    expect(original.scrape_configs[0].static_configs[0].targets).toEqual(['localhost:3000']);
    expect(original.scrape_configs[0].authorization).toBeUndefined();
    expect(written.scrape_configs[0].static_configs[0].targets).toEqual([`localhost:${new URL(server.url).port}`]);
    const tokenFile = join(dataDir, 'metrics-token');
    expect(written.scrape_configs[0].authorization).toEqual({ type: 'Bearer', credentials_file: tokenFile });
    expect(readFileSync(tokenFile, 'utf8')).toBe(METRICS_TOKEN);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    // The token is in its file only, never in the config or the output.
    expect(readFileSync(join(dataDir, 'prometheus.yml'), 'utf8')).not.toContain(METRICS_TOKEN);
    expect(output).not.toContain(METRICS_TOKEN);
    expect(written.rule_files).toEqual(original.rule_files.map((pattern: string) => resolve(root, 'deploy/local', pattern)));
    const same = (config: Record<string, any>) => ({ ...config, rule_files: undefined, scrape_configs: [{ ...config.scrape_configs[0], static_configs: undefined, authorization: undefined }] });
    expect(same(written)).toEqual(same(original));
    expect(output).toMatch(new RegExp(`Prometheus on http://localhost:\\d+, scraping Baseliner at http://localhost:${new URL(server.url).port}/metrics`));
    expect(output).not.toContain('requires a metrics token');
  });

  it('says what to do when the server wants a metrics token the script was not given', async () => {
    // A stand-in for the prometheus binary: the hint is the script's, not Prometheus'.
    const fake = join(dataDir, 'fake-prometheus');
    writeFileSync(fake, '#!/bin/sh\n[ "$1" = --version ] && exit 0\nexec sleep 20\n', { mode: 0o755 });
    const { BASELINER_METRICS_TOKEN: _unset, ...env } = process.env;
    const other = mkdtempSync(join(tmpdir(), 'baseliner-local-prometheus-'));
    const script = spawn(process.execPath, ['deploy/local/run-prometheus.js'], {
      cwd: root,
      env: { ...env, PORT: new URL(server.url).port, PROMETHEUS_PORT: String(await freePort()), PROMETHEUS_DATA_DIR: other, PROMETHEUS_BIN: fake },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let said = '';
    onLines(script.stderr, (line) => (said += `${line}\n`));
    try {
      await eventually(async () => said, (text) => text.includes('requires a metrics token'), 10_000, 100);
      expect(said).toContain('requires a metrics token: run BASELINER_METRICS_TOKEN=<the server\'s token> npm run prometheus:local');
    } finally {
      script.kill('SIGTERM');
      await exited(script);
      rmSync(other, { recursive: true, force: true });
    }
  }, 20_000);

  it('scrapes the server: the target is up and Baseliner’s per-deployment metrics are there', async () => {
    const up = await eventually(() => query('up{job="baseliner"}'), (r) => r.data?.result[0]?.value[1] === '1', 60_000, 500);
    expect({ up: up.data?.result[0]?.value[1], output }).toMatchObject({ up: '1' });
    const verdict = await eventually(() => query('baseliner_deployment_verdict{deployment="doc-review"} == 1'), (r) => (r.data?.result.length ?? 0) > 0, 30_000, 500);
    expect(verdict.data?.result.map((r) => r.metric.verdict)).toEqual(['pending']);
  }, 90_000);

  it('evaluates the generated recording rules on what it scraped', async () => {
    // rate() needs two scrapes, then one rule evaluation: about 10 s at the config's 5 s intervals.
    const accepted = await eventually(
      () => query('baseliner:events_received:rate5m{result="accepted"}'),
      (r) => (r.data?.result.length ?? 0) > 0,
      60_000,
      500,
    );
    expect(accepted.data?.result).toHaveLength(1);
    const silence = await query('baseliner:deployment_silence:seconds{deployment="doc-review"}');
    expect(Number(silence.data?.result[0]?.value[1])).toBeGreaterThan(0);
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { health: string }[] }[] } };
    expect(rules.data.groups.map((g) => g.name).sort()).toEqual(['baseliner.alerts', 'baseliner.recording']);
    expect(rules.data.groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok' && r.health !== 'unknown')).toEqual([]);
  }, 90_000);
});
