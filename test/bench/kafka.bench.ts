// npm run bench:kafka — on one broker, in one run: (a) Kafka's own consumer (ConsumerPerformance)
// reading the topic, (b) Baseliner's Kafka intake consuming the same events into the embedded
// store, (c) the intake's raw limit (bench:intake's in-process measure, 10 s on a fresh store) and
// (d) the same raw limit over as many events as (b) stores: a store's inserts cost more as it
// grows, so (d) is the like-for-like ceiling for (b). On Linux it also prints how the intake's
// threads spent the timed window (from /proc).
//
//   BENCH_EVENTS (1,000,000)  BENCH_ROUNDS (3)  BASELINER_KAFKA_BROKERS (else deploy/kafka/kafka-up.sh)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SqliteEventStore } from '@baseliner/event-store-sqlite';
import { benchEvents } from './bench-events';
import { startBuiltServer } from './bench-server';
import { intakeRound, rawRound } from './intake-raw';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PARTITIONS = 4;
const repo = resolve(__dirname, '..', '..', '..');
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const secrets = { BASELINER_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef', BASELINER_ACTOR_KEY: 'bench-actor-key-0123456789abcdefgh' };

function broker(): string {
  if (process.env.BASELINER_KAFKA_BROKERS) return process.env.BASELINER_KAFKA_BROKERS;
  const up = spawnSync(join(repo, 'deploy/kafka/kafka-up.sh'), [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (up.status !== 0) throw new Error('deploy/kafka/kafka-up.sh could not start a broker');
  return up.stdout.trim().split('\n').pop() as string;
}

/** A data dir with the bench deployment registered and its key, made once and copied per round. */
async function template(): Promise<{ dir: string; key: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-kafka-template-'));
  const { server, url } = await startBuiltServer(dir, { app: 'intake', env: secrets });
  const post = async (path: string, body?: unknown) =>
    (await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secrets.BASELINER_ADMIN_TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then((r) => r.json())) as Record<string, string>;
  await post('/v1/deployments', { id: 'bench', name: 'Benchmark', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' }, criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }] });
  const { key } = await post('/v1/deployments/bench/keys');
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  return { dir, key: key as string };
}

async function produce(kafka: Kafka, topic: string, key: string): Promise<number> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  const batch = 1000;
  let next = 0;
  const worker = async () => {
    while (next < EVENTS) {
      const start = next;
      next += batch;
      const events = benchEvents('bench', 'kafka', Math.min(batch, EVENTS - start), start);
      await producer.send({
        topic,
        acks: -1,
        messages: events.map((event, i) => ({ key: String((start + i) % 64), value: JSON.stringify(event), headers: { authorization: `Bearer ${key}` } })),
      });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  await producer.disconnect();
  return EVENTS / ((performance.now() - started) / 1000);
}

/** Kafka's own consumer over the topic: the broker-side ceiling on this machine. */
function consumerPerformance(brokers: string, topic: string, round: number): number {
  const version = /<kafka.version>(.*)<\/kafka.version>/.exec(readFileSync(join(repo, 'deploy/kafka/pom.xml'), 'utf8'))?.[1];
  const lib = process.env.KAFKA_LIB_DIR ?? join(homedir(), '.cache', 'baseliner', `kafka-${version}`);
  const run = spawnSync(
    'java',
    ['-Xmx512m', '-cp', `${lib}/*`, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', brokers, '--topic', topic, '--messages', String(EVENTS), '--group', `perf-${round}-${Date.now()}`, '--timeout', '60000'],
    { encoding: 'utf8' },
  );
  // Header: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, …
  const lines = run.stdout.trim().split('\n');
  const header = (lines.find((l) => l.includes('nMsg.sec')) ?? '').split(',').map((s) => s.trim());
  const values = (lines[lines.length - 1] ?? '').split(',').map((s) => s.trim());
  const rate = Number(values[header.indexOf('nMsg.sec')]);
  if (!Number.isFinite(rate)) throw new Error(`ConsumerPerformance printed nothing usable: ${run.stdout}\n${run.stderr}`);
  return rate;
}

/** CPU seconds on the CPU (run) and runnable but waiting for one (wait) per thread, from /proc. */
type ThreadTimes = Map<string, { run: number; wait: number }>;
function threadTimes(pid: number): ThreadTimes {
  const times: ThreadTimes = new Map();
  const dir = `/proc/${pid}/task`;
  if (!existsSync(dir)) return times;
  for (const tid of readdirSync(dir)) {
    try {
      const [run, wait] = readFileSync(`${dir}/${tid}/schedstat`, 'utf8').split(' ').map((n) => Number(n) / 1e9);
      times.set(tid, { run: run as number, wait: wait as number });
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return times;
}

interface ThreadShares {
  /** Shares of the window: on a CPU, runnable but waiting for one (other processes), neither (waiting for work or for the disk). */
  main: { run: number; wait: number; idle: number };
  /** The busiest other thread: the SQLite writer. */
  writer: { run: number; wait: number; idle: number };
  /** Every other thread together (V8's GC helpers, libuv), in cores. */
  others: number;
}

function threadShares(pid: number, before: ThreadTimes, after: ThreadTimes, seconds: number): ThreadShares | undefined {
  if (after.size === 0) return undefined;
  const delta = (tid: string) => {
    const a = after.get(tid) as { run: number; wait: number };
    const b = before.get(tid) ?? { run: 0, wait: 0 };
    return { run: (a.run - b.run) / seconds, wait: (a.wait - b.wait) / seconds };
  };
  const share = (tid: string) => {
    const { run, wait } = delta(tid);
    return { run, wait, idle: Math.max(0, 1 - run - wait) };
  };
  const others = [...after.keys()].filter((tid) => tid !== String(pid)).sort((x, y) => delta(y).run - delta(x).run);
  return {
    main: share(String(pid)),
    writer: others[0] ? share(others[0]) : { run: 0, wait: 0, idle: 1 },
    others: others.slice(1).reduce((sum, tid) => sum + delta(tid).run, 0),
  };
}

const pct = (share: number) => `${Math.round(share * 100)}%`;
const describeThreads = (t: ThreadShares) =>
  `main thread on CPU ${pct(t.main.run)}, waiting for a CPU ${pct(t.main.wait)}, idle ${pct(t.main.idle)}; ` +
  `writer thread on CPU ${pct(t.writer.run)}, waiting for a CPU ${pct(t.writer.wait)}, idle (work or disk) ${pct(t.writer.idle)}; other threads ${pct(t.others)} of a core`;

async function metric(url: string, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => pattern.test(l)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/** Baseliner's Kafka intake (apps/kafka-intake) from the start of the topic into a fresh copy of the store. */
async function baselinerIntake(brokers: string, topic: string, templateDir: string, round: number): Promise<{ rate: number; cpuSeconds: number; threads?: ThreadShares }> {
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-kafka-'));
  cpSync(templateDir, dir, { recursive: true });
  const { server, url } = await startBuiltServer(dir, {
    app: 'kafka-intake',
    env: { ...secrets, BASELINER_KAFKA_BROKERS: brokers, BASELINER_KAFKA_TOPIC: topic, BASELINER_KAFKA_GROUP: `baseliner-bench-${round}-${Date.now()}` },
  });
  const accepted = () => metric(url, /^baseliner_events_received_total\{.*result="accepted"/);
  // The clock starts at the first stored event (group join and first fetch are start-up, not throughput).
  let first = 0;
  while ((first = await accepted()) === 0) await new Promise((r) => setTimeout(r, 20));
  const started = performance.now();
  const pid = server.pid as number;
  const threadsBefore = threadTimes(pid);
  let done = first;
  while (done < EVENTS) {
    await new Promise((r) => setTimeout(r, 100));
    done = await accepted();
  }
  const seconds = (performance.now() - started) / 1000;
  const threads = threadShares(pid, threadsBefore, threadTimes(pid), seconds);
  const cpuSeconds = Number(/^process_cpu_seconds_total (\S+)/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { rate: (EVENTS - first) / seconds, cpuSeconds, threads };
}

/** The raw limit over `EVENTS` events in this process (rawRound's work), with its threads' shares. */
async function rawSameEvents(round: number): Promise<{ rate: number; threads?: ThreadShares }> {
  const dir = mkdtempSync(join(tmpdir(), 'baseliner-bench-raw-'));
  const store = new SqliteEventStore({ path: join(dir, 'events.db') });
  const before = threadTimes(process.pid);
  const started = performance.now();
  const rate = await intakeRound(store, `raw-same${round}`, Infinity, 16, EVENTS);
  // Read before the store closes: its writer thread ends with it.
  const threads = threadShares(process.pid, before, threadTimes(process.pid), (performance.now() - started) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { rate, threads };
}

async function main(): Promise<void> {
  console.log(`Kafka intake benchmark: ${EVENTS.toLocaleString()} events on a ${PARTITIONS}-partition topic, ${ROUNDS} rounds`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const brokers = broker();
  const kafka = new Kafka({ clientId: 'baseliner-bench', brokers: [brokers], logLevel: logLevel.NOTHING });
  const topic = `baseliner-bench-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const { dir: templateDir, key } = await template();
  try {
    const produced = await produce(kafka, topic, key);
    console.log(`produced ${EVENTS.toLocaleString()} CloudEvents at ${Math.round(produced).toLocaleString()} records/s (kafkajs, acks=all)`);
    const rows: { kafkaConsumer: number; baseliner: number; raw: number; rawSame: number }[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      // Interleaved, so all of them see the same machine noise.
      const kafkaConsumer = consumerPerformance(brokers, topic, round);
      const baseliner = await baselinerIntake(brokers, topic, templateDir, round);
      const raw = await rawRound(round, 10, 16);
      const rawSame = await rawSameEvents(round);
      rows.push({ kafkaConsumer, baseliner: baseliner.rate, raw, rawSame: rawSame.rate });
      console.log(
        `round ${round + 1}: Kafka ConsumerPerformance ${Math.round(kafkaConsumer).toLocaleString()} records/s; Baseliner Kafka intake ${Math.round(baseliner.rate).toLocaleString()} events/s; ` +
          `intake raw limit ${Math.round(raw).toLocaleString()} events/s (10 s), ${Math.round(rawSame.rate).toLocaleString()} events/s over the same ${EVENTS.toLocaleString()} events; load ${loadavg()[0]?.toFixed(1)}`,
      );
      if (baseliner.threads) console.log(`  Kafka intake: ${describeThreads(baseliner.threads)}`);
      if (rawSame.threads) console.log(`  raw limit:    ${describeThreads(rawSame.threads)}`);
    }
    const kafkaConsumer = median(rows.map((r) => r.kafkaConsumer));
    const baseliner = median(rows.map((r) => r.baseliner));
    const raw = median(rows.map((r) => r.raw));
    const rawSame = median(rows.map((r) => r.rawSame));
    const summary = {
      date: new Date().toISOString(), cpus: cpus().length, node: process.version, events: EVENTS, partitions: PARTITIONS, rounds: ROUNDS,
      kafkaConsumerPerformanceRecordsPerSecond: Math.round(kafkaConsumer),
      baselinerKafkaIntakeEventsPerSecond: Math.round(baseliner),
      intakeRawLimitEventsPerSecond: Math.round(raw),
      intakeRawLimitSameEventsEventsPerSecond: Math.round(rawSame),
      kafkaIntakeToRawRatio: Number((baseliner / raw).toFixed(3)),
      kafkaIntakeToRawSameEventsRatio: Number((baseliner / rawSame).toFixed(3)),
      kafkaIntakeToKafkaConsumerRatio: Number((baseliner / kafkaConsumer).toFixed(3)),
    };
    console.log(`\nmedian Kafka ConsumerPerformance : ${summary.kafkaConsumerPerformanceRecordsPerSecond.toLocaleString()} records/s`);
    console.log(`median Baseliner Kafka intake   : ${summary.baselinerKafkaIntakeEventsPerSecond.toLocaleString()} events/s`);
    console.log(`median intake raw limit (HTTP)  : ${summary.intakeRawLimitEventsPerSecond.toLocaleString()} events/s (10 s on a fresh store)`);
    console.log(`median raw limit, same events   : ${summary.intakeRawLimitSameEventsEventsPerSecond.toLocaleString()} events/s (${EVENTS.toLocaleString()} events on a fresh store)`);
    console.log(`Kafka intake / raw limit        : ${(summary.kafkaIntakeToRawRatio * 100).toFixed(0)}%`);
    console.log(`Kafka intake / raw, same events : ${(summary.kafkaIntakeToRawSameEventsRatio * 100).toFixed(0)}%`);
    console.log(`Kafka intake / Kafka's consumer : ${(summary.kafkaIntakeToKafkaConsumerRatio * 100).toFixed(0)}%`);
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-kafka.json', `${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(templateDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
