#!/usr/bin/env node
// npm run prometheus:local — the host's Prometheus (Debian: apt-get install prometheus) scraping a
// Baseliner started with `npm start`, with the project's generated rules; no Docker.
//
//   PORT              the Baseliner port to scrape (as for npm start; default 3000)
//   PROMETHEUS_PORT   where Prometheus listens (default 9090, or a free port if 9090 is taken)
//   PROMETHEUS_DATA_DIR  its storage (default <OS temp dir>/baseliner-prometheus: kept between runs)
//   PROMETHEUS_BIN    the binary (default prometheus on PATH)
//   BASELINER_METRICS_TOKEN  the token Baseliner's /metrics requires, when it was started with one
//
// With the default Baseliner port and no metrics token it runs deploy/local/prometheus.yml as it
// is. Otherwise it writes a copy into the data dir that differs only in the scrape target and, with
// a token, in an `authorization` setting whose credentials file (mode 0600, next to the copy)
// holds the token (Prometheus reads no environment variables in its config). The copy names the
// rule files by absolute path, since it lives elsewhere.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { createServer } = require('node:net');
const { tmpdir } = require('node:os');
const { dirname, isAbsolute, join, resolve } = require('node:path');
const YAML = require('yaml');

const CONFIG = resolve(__dirname, 'prometheus.yml');
const DEFAULT_TARGET = 'localhost:3000';

function fail(message) {
  process.stderr.write(`prometheus:local: ${message}\n`);
  process.exit(1);
}

function portNumber(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${name}=${raw} is not a port (1–65535)`);
  return port;
}

/** Resolves with `port` if it can be listened on, else with a free one (or fails when it was asked for). */
function listenablePort(port, explicit) {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => {
      if (explicit) fail(`port ${port} is in use; choose another: PROMETHEUS_PORT=${port + 1} npm run prometheus:local`);
      const free = createServer().listen(0, '127.0.0.1', () => {
        const { port: freePort } = free.address();
        free.close(() => done(freePort));
      });
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => done(port)));
  });
}

/**
 * The config to run: the file itself, or a copy whose only changes are the scrape target and, with
 * a metrics token, the bearer credentials Prometheus sends (from a file beside the copy).
 */
function configFor(target, dataDir, metricsToken) {
  const tokenFile = join(dataDir, 'metrics-token');
  rmSync(tokenFile, { force: true }); // a token from an earlier run is not left lying about
  if (target === DEFAULT_TARGET && !metricsToken) return CONFIG;
  const config = YAML.parse(readFileSync(CONFIG, 'utf8'));
  config.rule_files = config.rule_files.map((pattern) => (isAbsolute(pattern) ? pattern : resolve(dirname(CONFIG), pattern)));
  if (metricsToken) writeFileSync(tokenFile, metricsToken, { mode: 0o600 });
  for (const job of config.scrape_configs) {
    for (const group of job.static_configs ?? []) group.targets = group.targets.map((t) => (t === DEFAULT_TARGET ? target : t));
    if (metricsToken) job.authorization = { type: 'Bearer', credentials_file: tokenFile };
  }
  const copy = join(dataDir, 'prometheus.yml');
  const changes = [`scrape target ${target}`, ...(metricsToken ? [`bearer token from ${tokenFile}`] : [])].join(', ');
  writeFileSync(copy, `# Written by deploy/local/run-prometheus.js from ${CONFIG}: ${changes}.\n${YAML.stringify(config)}`);
  return copy;
}

/** A Baseliner that locks /metrics answers 401 without the token: say what to do instead of scraping in vain. */
async function checkAccess(target, metricsToken) {
  try {
    const response = await fetch(`http://${target}/metrics`, { headers: metricsToken ? { authorization: `Bearer ${metricsToken}` } : {}, signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    if (response.status !== 401) return;
    process.stderr.write(
      metricsToken
        ? `prometheus:local: Baseliner at ${target} refuses this BASELINER_METRICS_TOKEN: give this script the same token the server was started with.\n`
        : `prometheus:local: Baseliner at ${target} requires a metrics token: run BASELINER_METRICS_TOKEN=<the server's token> npm run prometheus:local\n`,
    );
  } catch {
    // Not started yet (or not reachable): Prometheus shows the target down at /targets.
  }
}

async function main() {
  const binary = process.env.PROMETHEUS_BIN || 'prometheus';
  if (spawnSync(binary, ['--version']).error) {
    fail(`${binary} not found. Install it (Debian/Ubuntu: sudo apt-get install prometheus; elsewhere prometheus.io/download) or set PROMETHEUS_BIN`);
  }
  const target = `localhost:${portNumber('PORT', 3000)}`;
  const wanted = portNumber('PROMETHEUS_PORT', 9090);
  const port = await listenablePort(wanted, Boolean(process.env.PROMETHEUS_PORT));
  if (port !== wanted) process.stdout.write(`Port ${wanted} is in use (another Prometheus?): using ${port}.\n`);
  const dataDir = resolve(process.env.PROMETHEUS_DATA_DIR || join(tmpdir(), 'baseliner-prometheus'));
  mkdirSync(dataDir, { recursive: true });
  const metricsToken = process.env.BASELINER_METRICS_TOKEN?.trim() || undefined;
  const config = configFor(target, dataDir, metricsToken);

  const url = `http://localhost:${port}`;
  process.stdout.write(
    [
      `Prometheus on ${url}, scraping Baseliner at http://${target}/metrics every 5 s with the generated rules${metricsToken ? ' (with BASELINER_METRICS_TOKEN)' : ''}.`,
      `  targets: ${url}/targets   alerts: ${url}/alerts   config: ${config}`,
      `  data: ${dataDir}   Ctrl-C stops it.`,
      '',
    ].join('\n'),
  );
  const prometheus = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dataDir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: 'inherit' },
  );
  // Ctrl-C reaches Prometheus from the terminal too; a signal sent to this process alone is passed on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => prometheus.kill(signal));
  prometheus.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
  await checkAccess(target, metricsToken);
}

void main();
