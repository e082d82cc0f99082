#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Scorecard } from '@baseliner/analytics';
import { apiOptionsFromEnv, call, CliError, userFolder, userPath } from './api';
import { baselineWindow, isPlainDate } from './dates';
import { importFile } from './import-file';
import { designLines, loadStatusRows, renderStatus } from './status-table';

const api = apiOptionsFromEnv();
/** Colour and the width to fit: the terminal's, or 120 columns when the output is piped. */
const terminal = () => ({ colour: Boolean(process.stdout.isTTY), width: process.stdout.isTTY && process.stdout.columns ? process.stdout.columns : 120 });
const print = (value: unknown): void => void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);
/** The deployment as JSON, then any advice on how its criteria will be judged, as notes a person reads. */
const printDeployment = (deployment: { criteriaAdvice?: { field: string; message: string }[] }): void => {
  print(deployment);
  for (const advice of deployment.criteriaAdvice ?? []) process.stderr.write(`note: ${advice.field}: ${advice.message}\n`);
};
const readBody = (file: string): unknown => {
  const text = readFileSync(userPath(file), 'utf8');
  return /\.ya?ml$/.test(file) ? parseYaml(text) : JSON.parse(text);
};
/** `--segments north,south`: trimmed names, none empty. */
const segmentList = (text: string): string[] => {
  const names = text.split(',').map((name) => name.trim());
  if (names.some((name) => name === '')) throw new CliError(`--segments ${text}: give comma-separated segment names, e.g. --segments north,south`);
  return names;
};
const CRITERION_KINDS = ['relativeChange', 'atMost', 'atLeast'];
/** `metric:kind:value`, e.g. `task_duration_p50:relativeChange:-0.3`. */
const criterion = (text: string, all: unknown[] = []) => {
  const [metric, kind, value, ...rest] = text.split(':');
  const form = 'write metric:kind:number, e.g. task_duration_p50:relativeChange:-0.3 or error_ratio:atMost:0.1';
  if (!metric || !kind || value === undefined || value === '' || rest.length > 0) throw new CliError(`--criterion "${text}": ${form}`);
  if (!CRITERION_KINDS.includes(kind)) {
    throw new CliError(`--criterion "${text}": "${kind}" is not a kind of target; use one of ${CRITERION_KINDS.join(', ')} (${form})`);
  }
  if (!Number.isFinite(Number(value))) throw new CliError(`--criterion "${text}": "${value}" is not a number (${form})`);
  return [...all, { metric, [kind]: Number(value) }];
};

const program = new Command('baseliner').description('Does this AI deployment work? Baseliner from the terminal.').version('0.1.0');

const deployments = program.command('deployments').description('register and steer deployments');
deployments
  .command('register [file]')
  .description('register a deployment from a JSON/YAML file or flags')
  .option('--id <id>')
  .option('--name <name>')
  .option('--owner-name <name>', 'one accountable person')
  .option('--owner-email <email>')
  .option('--workflow <workflow>')
  .option('--timezone <zone>', 'IANA time zone, default UTC')
  .option('--ramp-up-days <days>', 'days after go-live left out of the current window', Number)
  .option('--eligible-users <n>', 'people who could use it', Number)
  .option('--criterion <metric:kind:value>', 'a success criterion (repeatable)', criterion)
  .action(async (file: string | undefined, o) => {
    const body = file
      ? readBody(file)
      : {
          id: o.id,
          name: o.name,
          owner: { name: o.ownerName, email: o.ownerEmail },
          ...(o.workflow && { workflow: o.workflow }),
          ...(o.timezone && { timezone: o.timezone }),
          ...(o.rampUpDays !== undefined && { rampUpDays: o.rampUpDays }),
          ...(o.eligibleUsers !== undefined && { eligibleUsers: o.eligibleUsers }),
          ...(o.criterion && { criteria: o.criterion }),
        };
    printDeployment(await call(api, 'POST', '/v1/deployments', body));
  });
deployments
  .command('criteria <id> [file]')
  .description('replace the success criteria (a reason is required after go-live)')
  .option('--criterion <metric:kind:value>', 'a success criterion (repeatable)', criterion)
  .option('--reason <reason>')
  .action(async (id: string, file: string | undefined, o) => {
    const body = file ? readBody(file) : { criteria: o.criterion ?? [], ...(o.reason && { reason: o.reason }) };
    printDeployment(await call(api, 'PUT', `/v1/deployments/${id}/criteria`, body));
  });
deployments
  .command('baseline <id>')
  .description('set the baseline window: the old process to compare with (default: the 28 days before go-live)')
  .requiredOption('--from <date|time>', 'first day, YYYY-MM-DD in the deployment’s time zone (from its midnight), or an RFC 3339 time')
  .requiredOption('--to <date|time>', 'last day, YYYY-MM-DD, included whole (up to the next local midnight), or an RFC 3339 time (the end)')
  .action(async (id: string, o: { from: string; to: string }) => {
    let body = { from: o.from, to: o.to };
    if (isPlainDate(o.from) || isPlainDate(o.to)) {
      const { timezone } = await call<{ timezone: string }>(api, 'GET', `/v1/deployments/${id}`);
      body = baselineWindow(o.from, o.to, timezone);
      process.stderr.write(`note: ${o.from} to ${o.to} in ${timezone} is ${body.from} to ${body.to}\n`);
    }
    print(await call(api, 'PUT', `/v1/deployments/${id}/baseline`, body));
  });
deployments
  .command('go-live <id>')
  .description('go live: the whole deployment, or with --segments only those segments (a wave; call again for later waves)')
  .option('--at <time>', 'when it went live (may be in the past)')
  .option('--segments <names>', 'comma-separated segments (task.completed data.segment) that go live now; the others stay the comparison', segmentList)
  .action(async (id: string, o) =>
    printDeployment(await call(api, 'POST', `/v1/deployments/${id}/go-live`, { ...(o.at && { at: o.at }), ...(o.segments && { segments: o.segments }) })),
  );
deployments
  .command('rollback <id>')
  .requiredOption('--reason <reason>')
  .option('--at <time>')
  .action(async (id: string, o) => print(await call(api, 'POST', `/v1/deployments/${id}/rollback`, { reason: o.reason, ...(o.at && { at: o.at }) })));
deployments
  .command('retire <id>')
  .requiredOption('--reason <reason>')
  .addOption(new Option('--outcome <outcome>').choices(['killed', 'superseded', 'completed']).makeOptionMandatory())
  .action(async (id: string, o) => print(await call(api, 'POST', `/v1/deployments/${id}/retire`, { reason: o.reason, outcome: o.outcome })));
deployments
  .command('keys <id>')
  .description('issue an ingest key (shown once), or revoke one')
  .option('--revoke <keyId>')
  .action(async (id: string, o) => {
    if (o.revoke) {
      await call(api, 'DELETE', `/v1/deployments/${id}/keys/${o.revoke}`);
      print(`revoked ${o.revoke}`);
    } else print(await call(api, 'POST', `/v1/deployments/${id}/keys`));
  });

const viewerTokens = program.command('viewer-tokens').description('read-only tokens for the web pages: issue (shown once), list, revoke');
viewerTokens
  .command('issue <name>')
  .description('issue a viewer token named for who holds it, e.g. "finance team"')
  .action(async (name: string) => print(await call(api, 'POST', '/v1/viewer-tokens', { name })));
viewerTokens.command('list').action(async () => print(await call(api, 'GET', '/v1/viewer-tokens')));
viewerTokens
  .command('revoke <tokenId>')
  .description('the token stops opening the pages within seconds')
  .action(async (tokenId: string) => {
    await call(api, 'DELETE', `/v1/viewer-tokens/${tokenId}`);
    print(`revoked ${tokenId}`);
  });

program
  .command('backup <file>')
  .description('copy the embedded event store while the server runs (SQLite online backup); to restore, see docs/reliability.md')
  .option('--data-dir <dir>', 'the server’s data directory (BASELINER_DATA_DIR)', process.env.BASELINER_DATA_DIR ?? './data')
  .action(async (file: string, o) => {
    // The adapter through the composition root (libs/platform), loaded only here.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { loadSqliteAdapter } = require('@baseliner/platform') as typeof import('@baseliner/platform');
    const { events, bytes } = await loadSqliteAdapter().backupEventStore(join(o.dataDir, 'events.db'), file);
    print(`backed up ${events.toLocaleString('en')} events (${(bytes / 2 ** 20).toFixed(1)} MiB) to ${file}`);
  });

program
  .command('migrate')
  .description('copy the whole event history to another engine (e.g. SQLite to PostgreSQL) and prove the copy by replaying both; see docs/migrate.md')
  .addOption(new Option('--from <engine>', 'where the history is now').choices(['sqlite', 'postgres', 'kurrentdb']).makeOptionMandatory())
  .addOption(new Option('--to <engine>', 'where it goes').choices(['sqlite', 'postgres', 'kurrentdb']).makeOptionMandatory())
  .option('--data-dir <dir>', 'a SQLite source: the server’s data directory (BASELINER_DATA_DIR)', process.env.BASELINER_DATA_DIR ?? './data')
  .option('--to-data-dir <dir>', 'a SQLite target: its data directory')
  .option('--from-url <url>', 'a PostgreSQL or KurrentDB source (default BASELINER_POSTGRES_URL or BASELINER_KURRENTDB_URL)')
  .option('--to-url <url>', 'a PostgreSQL or KurrentDB target (default BASELINER_POSTGRES_URL or BASELINER_KURRENTDB_URL)')
  .action(async (o) => {
    // Loaded only here: it brings the projector and the stores' drivers.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { migrate } = require('./migrate') as typeof import('./migrate');
    await migrate(o, { out: print, warn: (line) => void process.stderr.write(`${line}\n`), tty: Boolean(process.stdout.isTTY), env: process.env });
  });

const dlq = program.command('dlq').description('dead letters of the Kafka intake (<topic>.dlq)');
dlq
  .command('replay')
  .description("send a deployment's dead letters back to the topic with its ingest key (BASELINER_INGEST_KEY), once their cause is fixed; see docs/kafka.md")
  .requiredOption('--deployment <id>', 'whose dead letters: its ingest key proves no other deployment')
  .option('--brokers <host:port,…>', 'the Kafka brokers (default BASELINER_KAFKA_BROKERS)', process.env.BASELINER_KAFKA_BROKERS)
  .option('--topic <topic>', 'the topic the Kafka intake reads (default BASELINER_KAFKA_TOPIC, else baseliner.events)', process.env.BASELINER_KAFKA_TOPIC)
  .option('--dry-run', 'count what would be sent by reason; send nothing')
  .action(async (o) => {
    if (!o.brokers?.trim()) throw new CliError('Set --brokers or BASELINER_KAFKA_BROKERS to the Kafka brokers (host:port,host:port)');
    const ingestKey = process.env.BASELINER_INGEST_KEY;
    if (!ingestKey && !o.dryRun) {
      throw new CliError(
        `Set BASELINER_INGEST_KEY to an ingest key of ${o.deployment}: dead letters are written without their key (issue one with: baseliner deployments keys ${o.deployment})`,
      );
    }
    // Loaded only here: it brings kafkajs and the Kafka intake.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { replayDeadLetters, replayReport } = require('./dlq-replay') as typeof import('./dlq-replay');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { kafkaBrokers, kafkaTopic } = require('@baseliner/platform') as typeof import('@baseliner/platform');
    // Read as the server reads BASELINER_KAFKA_BROKERS and BASELINER_KAFKA_TOPIC.
    const target = { brokers: kafkaBrokers(o.brokers, '--brokers'), topic: kafkaTopic(o.topic, '--topic') };
    const options = { ...target, deployment: o.deployment as string, ingestKey: ingestKey ?? '', dryRun: Boolean(o.dryRun) };
    const summary = await replayDeadLetters(options, (line) => void process.stderr.write(`${line}\n`));
    for (const line of replayReport(summary, options)) print(line);
  });

program
  .command('status')
  .description('every deployment: owner, verdict and why, time and error change, last event, warnings (adoption, reversion, days live when the terminal is wide enough; --json has all)')
  .option('--json')
  .action(async (o) => {
    const rows = await loadStatusRows((path) => call(api, 'GET', path), Date.now());
    print(o.json ? rows : renderStatus(rows, terminal()));
  });

program
  .command('scorecard <id>')
  .description('the scorecard of one deployment')
  .option('--json')
  .action(async (id: string, o) => {
    const card = await call<Scorecard>(api, 'GET', `/v1/deployments/${id}/scorecard`);
    if (o.json) return print(card);
    const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);
    // A section is printed only when it has something in it: no header over nothing.
    const section = (header: string, items: string[]) => (items.length > 0 ? [header, ...items] : []);
    const changes = Object.entries(card.metrics).flatMap(([name, m]) =>
      m.change ? [`  ${name.padEnd(24)} ${pct(m.change.estimate)} [${pct(m.change.lower)}, ${pct(m.change.upper)}]`] : [],
    );
    const lines = [
      `${id}: ${card.verdict}${card.verdictSince ? ` since ${card.verdictSince}` : ''}${card.daysToVerdict ? ` (about ${card.daysToVerdict} more days to a verdict)` : ''}`,
      `why: ${card.decidedBy.sentence}`,
      ...card.warnings.map((w) => `warning: ${w.message}`),
      `windows: baseline ${card.windows.baseline ? `${card.windows.baseline.from}..${card.windows.baseline.to}` : '–'}, current ${card.windows.current ? `${card.windows.current.from}..${card.windows.current.to}` : card.windows.inRampUp ? 'ramp-up' : '–'}`,
      ...designLines(card.comparison),
      ...section('criteria:', card.criteria.map((c) => `  ${c.status.padEnd(17)} ${c.metric}  ${c.reason}`)),
      ...section(
        card.comparison?.design === 'difference_in_differences'
          ? 'changes (live segments, current vs baseline; net of the comparison where listed above; always-valid 95% interval):'
          : 'changes (current vs baseline, always-valid 95% interval):',
        changes,
      ),
      `adoption: ${card.adoption.activeUsers7d} active (7d) of ${card.adoption.eligibleUsers ?? '?'}; drop ${pct(card.adoption.adoptionDropRatio ?? undefined)}; reversion ${pct(card.adoption.reversionRatio ?? undefined)}`,
    ];
    print(lines.join('\n'));
  });

program
  .command('import <file>')
  .description(
    'load historical tasks (CSV or NDJSON) as backdated task.completed events; rejected rows go to <file>.rejected.csv (.rejected.ndjson) with their row number, fields and reason; exit status 1 when no row was imported',
  )
  .requiredOption('--deployment <id>')
  .option('--key <ingestKey>', 'the deployment’s ingest key (or BASELINER_INGEST_KEY)')
  .addOption(new Option('--format <format>').choices(['csv', 'ndjson']))
  .option('--timezone <zone>', 'for times without an offset', 'UTC')
  .option('--time-column <name>')
  .option('--duration-column <name>')
  .option('--task-column <name>')
  .option('--mode-column <name>')
  .option('--outcome-column <name>')
  .option('--actor-column <name>')
  .option('--cost-column <name>')
  .option('--segment-column <name>')
  .option('--mode <mode>', 'mode when there is no mode column', 'manual')
  .option('--outcome <outcome>', 'outcome when there is no outcome column', 'success')
  .option('--restart', 'start from the first row even if an earlier run saved its position')
  .option('--strict', 'exit with status 2 when any row was rejected (for scripts and CI)')
  .action(async (file: string, o) => {
    const ingestKey = o.key ?? process.env.BASELINER_INGEST_KEY;
    if (!ingestKey) throw new CliError('Give the deployment’s ingest key with --key or BASELINER_INGEST_KEY');
    const path = userPath(file);
    if (!existsSync(path)) {
      throw new CliError(`There is no file ${path}${path === file ? '' : ` (${file}, from the folder the command was run in, ${userFolder()})`}: check the name and folder`);
    }
    const summary = await importFile({
      file: path,
      deployment: o.deployment,
      url: api.url,
      ingestKey,
      format: o.format,
      timeZone: o.timezone,
      mapping: {
        ...(o.timeColumn && { time: o.timeColumn }),
        ...(o.durationColumn && { duration: o.durationColumn }),
        ...(o.taskColumn && { taskId: o.taskColumn }),
        ...(o.modeColumn && { mode: o.modeColumn }),
        ...(o.outcomeColumn && { outcome: o.outcomeColumn }),
        ...(o.actorColumn && { actor: o.actorColumn }),
        ...(o.costColumn && { cost: o.costColumn }),
        ...(o.segmentColumn && { segment: o.segmentColumn }),
      },
      defaultMode: o.mode,
      defaultOutcome: o.outcome,
      restart: Boolean(o.restart),
      progress: Boolean(process.stderr.isTTY),
    });
    print(
      [
        `rows read: ${summary.rows}${summary.skippedAlreadyImported ? ` (resumed after row ${summary.skippedAlreadyImported})` : ''}`,
        `imported: ${summary.accepted}, already there: ${summary.duplicates}, rejected: ${summary.rejected}${summary.rejectedFile ? ` (in ${summary.rejectedFile})` : ''}`,
        `took ${summary.seconds.toFixed(1)} s`,
      ].join('\n'),
    );
    if (summary.rows === 0) throw new CliError(`${path} has no rows to import${/\.(ndjson|jsonl)$/i.test(path) ? '' : ' under its header'}`);
    if (summary.rejected === 0) return;
    const rows = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;
    const reasons = summary.rejectedByReason.map(
      (r) => `  ${rows(r.rows)} ${r.reason}${r.rows > 1 ? `, e.g. row ${r.firstRow}` : `: row ${r.firstRow}`}: ${r.firstMessage}`,
    );
    const where = `Each is in ${summary.rejectedFile} with its row number, its fields and the reason: fix them there and import that file (its rejected_* columns are ignored).`;
    if (summary.accepted + summary.duplicates === 0 && summary.skippedAlreadyImported === 0) {
      process.stderr.write(`baseliner: nothing was imported: all ${rows(summary.rejected)} of ${path} were rejected:\n${reasons.join('\n')}\n${where}\n`);
      process.exitCode = 1;
      return;
    }
    const what = `${rows(summary.rejected)} of ${summary.rows - summary.skippedAlreadyImported} ${summary.rejected === 1 ? 'was' : 'were'} rejected:\n${reasons.join('\n')}\n${where}`;
    if (o.strict) {
      process.stderr.write(`baseliner: ${what}\n--strict makes that an error (exit status 2).\n`);
      process.exitCode = 2;
    } else process.stderr.write(`note: ${what}\nWith --strict that is an error (exit status 2).\n`);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`baseliner: ${error instanceof CliError ? error.message : String((error as Error)?.message ?? error)}\n`);
  process.exit(1);
});
