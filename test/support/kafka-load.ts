import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { AssignerProtocol, type Admin, type Message, type Producer } from 'kafkajs';
import { PostgresEventStore } from '@baseliner/event-store-postgres';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { exited, onLines, repoRoot, spawnTs } from './run-ts';
import { describeRequiring } from './requires';
export { eventually } from './eventually';

/*
 * Helpers for Kafka fault tests: a private broker that a test may stop and start again, the
 * group's lag as the broker sees it, metrics scraping, and exact counts read from the store.
 */

const UP = resolve(repoRoot, 'deploy/kafka/kafka-up.sh');
const DOWN = resolve(repoRoot, 'deploy/kafka/kafka-down.sh');

/** Why a private broker cannot be started here (no java; no jars and no mvn), or undefined. Synchronous. */
export function privateBrokerUnavailableReason(): string | undefined {
  if (spawnSync('java', ['-version'], { encoding: 'utf8', timeout: 15_000 }).status !== 0) return 'java is not installed (a private Kafka broker needs Java 17+)';
  const pom = readFileSync(resolve(repoRoot, 'deploy/kafka/pom.xml'), 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1];
  const lib = process.env.KAFKA_LIB_DIR ?? resolve(homedir(), '.cache', 'baseliner', `kafka-${version}`);
  if (!existsSync(resolve(lib, '.complete')) && spawnSync('mvn', ['-v'], { timeout: 30_000 }).status !== 0) {
    return `the Kafka jars are not in ${lib} and mvn, which resolves them, is not installed`;
  }
  return undefined;
}

/**
 * A describe whose tests start their own broker (deploy/kafka/kafka-up.sh --dir): skipped with
 * the reason when that cannot work here, a failure under CI.
 */
export function describeWithPrivateBroker(name: string, body: () => void): void {
  describeRequiring(name, privateBrokerUnavailableReason(), 'java to start a private Kafka broker', body);
}

function runScript(script: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(script, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} took over ${timeoutMs / 1000} s: ${stderr.trim().split('\n').slice(-10).join('\n')}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolveRun({ stdout, stderr });
      else reject(new Error(`${script} ${args.join(' ')} exited with ${code}: ${stderr.trim().split('\n').slice(-10).join('\n')}`));
    });
  });
}

/**
 * A broker of the test's own in `dir` (kafka-up.sh --dir): `stop()` and `start()` again keep its
 * port and data, so clients find the restarted broker at the same address.
 */
export class PrivateBroker {
  address = '';

  constructor(readonly dir: string) {}

  /** Starts the broker (5–15 s; once stopped, the same port and data) and returns host:port. */
  async start(): Promise<string> {
    const { stdout } = await runScript(UP, ['--dir', this.dir], 180_000);
    this.address = stdout.trim().split('\n').pop() as string;
    if (!/^[\w.-]+:\d+$/.test(this.address)) throw new Error(`kafka-up.sh printed no address: ${stdout}`);
    return this.address;
  }

  /** Stops the broker (SIGTERM: a clean shutdown, as in a rolling restart). */
  async stop(): Promise<void> {
    await runScript(DOWN, ['--dir', this.dir], 60_000);
  }

  /** Stops it and deletes its data (and the lock file kafka-up.sh leaves beside the directory). */
  async dispose(): Promise<void> {
    await runScript(DOWN, ['--dir', this.dir, '--purge'], 60_000);
    rmSync(`${this.dir}.lock`, { force: true });
  }
}

/** Whether nothing listens at host:port (a TCP connect is refused or times out). */
export function nothingListens(address: string): Promise<boolean> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolveCheck) => {
    const socket = connect({ host, port, timeout: 2_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolveCheck(false);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolveCheck(true);
    });
    socket.once('error', () => resolveCheck(true));
  });
}

/** Records each partition's high watermark minus the group's committed offset, summed: 0 = all consumed and committed. */
export async function committedLag(admin: Admin, topic: string, groupId: string): Promise<number> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  return ends.reduce((sum, { partition, high, low }) => {
    const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return sum + Number(high) - (offset < 0 ? Number(low) : offset);
  }, 0);
}

/** The partitions of `topic` each member of the group holds, once the group is stable (else undefined). */
export async function stableAssignment(admin: Admin, groupId: string, topic: string): Promise<number[][] | undefined> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups[0];
  if (!group || group.state !== 'Stable') return undefined;
  return group.members.map((member) => {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    return [...(decoded?.assignment[topic] ?? [])].sort((a, b) => a - b);
  });
}

export async function scrape(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** The value of one sample on a /metrics page (labels given in their exposition order), or 0 when absent. */
export function sample(metricsText: string, name: string, labels: Record<string, string> = {}): number {
  const selector = Object.keys(labels).length === 0 ? name : `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
  const line = metricsText.split('\n').find((l) => l.startsWith(`${selector} `));
  return line ? Number(line.slice(selector.length + 1)) : 0;
}

export const received = (metricsText: string, result: 'accepted' | 'duplicate' | 'rejected') =>
  sample(metricsText, 'baseliner_events_received_total', { type: 'task.completed', result });

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Structured-mode records (value = the CloudEvent) with the ingest key, keyed to spread over partitions. */
export function records(events: { id: string }[], ingestKey: string, keys = 16): Message[] {
  return events.map((event, i) => ({
    key: `k-${Number(/(\d+)$/.exec(event.id)?.[1] ?? i) % keys}`,
    value: JSON.stringify(event),
    headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/cloudevents+json' },
  }));
}

/** Sends one batch with acks from all in-sync replicas, again after `waitMs` until the broker acknowledges it; returns the failures. */
export async function sendUntilAcknowledged(
  producer: Producer,
  topic: string,
  messages: Message[],
  options: { waitMs?: number; deadline?: number; giveUp?: () => boolean } = {},
): Promise<number> {
  let failures = 0;
  for (;;) {
    try {
      await producer.send({ topic, acks: -1, messages });
      return failures;
    } catch (error) {
      failures += 1;
      if ((options.deadline !== undefined && Date.now() > options.deadline) || options.giveUp?.()) throw error;
      await sleep(options.waitMs ?? 500);
    }
  }
}

/** The CloudEvent ids stored in a deployment's telemetry stream of a SQLite data dir (its writer stopped or not). */
export async function storedIdsSqlite(dataDir: string, deployment: string): Promise<string[]> {
  const store = new SqliteEventStore({ path: resolve(dataDir, 'events.db'), exclusiveWriter: false });
  try {
    return (await store.readStream(`telemetry-${deployment}`)).map((e) => (e.data as { id: string }).id);
  } finally {
    await store.close();
  }
}

/** The CloudEvent ids stored in a deployment's telemetry stream on PostgreSQL. */
export async function storedIdsPostgres(url: string, deployment: string): Promise<string[]> {
  const store = await PostgresEventStore.connect({ url });
  try {
    return (await store.readStream(`telemetry-${deployment}`)).map((e) => (e.data as { id: string }).id);
  } finally {
    await store.close();
  }
}

/** Compares what is stored with what was sent: ids missing, stored more than once, and stored but never sent. */
export function reconcile(stored: string[], sent: Iterable<string>) {
  const sentSet = new Set(sent);
  const seen = new Set<string>();
  const duplicated: string[] = [];
  for (const id of stored) {
    if (seen.has(id)) duplicated.push(id);
    seen.add(id);
  }
  return {
    missing: [...sentSet].filter((id) => !seen.has(id)),
    duplicated,
    unexpected: [...seen].filter((id) => !sentSet.has(id)),
  };
}

export interface AppChild {
  name: string;
  child: ChildProcess;
  url: Promise<string>;
  output(): string;
}

/** apps/kafka-intake in a child process (as startAppProcess does for the others); `url` once it listens. */
export function startKafkaIntakeProcess(name: string, dataDir: string, env: Record<string, string>): AppChild {
  const child = spawnTs('apps/kafka-intake/src/main.ts', [], {
    env: { PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  const url = new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start: ${output}`)), 90_000);
    onLines(child.stdout, (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1] as string);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`${name} exited: ${output}`));
    });
  });
  url.catch(() => undefined);
  return { name, child, url, output: () => output };
}

export const running = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Stops the children still running (SIGTERM, then SIGKILL after `graceMs`) and waits for them. */
export async function stopAll(children: { child: ChildProcess }[], graceMs = 15_000): Promise<void> {
  await Promise.all(
    children.map(async ({ child }) => {
      if (!running(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running(child) && child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }),
  );
}

/** Runs a test body; on failure, adds the tail of each child's output to the error. */
export async function explainingFailures(children: () => { name: string; output(): string }[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const outputs = children()
      .map(({ name, output }) => `----- ${name} (last 6000 characters of output) -----\n${output().slice(-6000)}`)
      .join('\n');
    if (error instanceof Error) {
      error.message = `${error.message}\n\n${outputs}`;
      throw error;
    }
    throw new Error(`${String(error)}\n\n${outputs}`);
  }
}
