import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import {
  committedLag,
  describeWithPrivateBroker,
  eventually,
  explainingFailures,
  nothingListens,
  PrivateBroker,
  received,
  reconcile,
  records,
  running,
  scrape,
  sendUntilAcknowledged,
  sleep,
  stableAssignment,
  startKafkaIntakeProcess,
  stopAll,
  storedIdsPostgres,
  storedIdsSqlite,
  type AppChild,
} from '../support/kafka-load';
import { describeWithPostgres, freshDatabase } from '../support/postgres';
import { exited } from '../support/run-ts';
import { startAppProcess } from '../support/server-process';
import { client, taskCompleted, validRegistration } from '../support/test-server';

/*
 * The Kafka intake's promise under faults, with real processes and a real broker: every record
 * the broker acknowledged is stored, and stored once, whether the consumer is SIGKILLed between
 * an append and its offset commit, the broker restarts under it, or two consumers share the
 * partitions. The broker is the file's own (deploy/kafka/kafka-up.sh --dir), because one test
 * restarts it.
 */

const ADMIN_TOKEN = 'kafka-faults-admin-token-0123456789';
const ACTOR_KEY = 'kafka-faults-actor-key-0123456789ab';
const DAY = 86_400_000;

const shortId = () => randomUUID().slice(0, 8);

async function registerWithKey(url: string, deployment: string): Promise<string> {
  const admin = client(url, ADMIN_TOKEN);
  const registered = await admin.post('/v1/deployments', { ...validRegistration(deployment), rampUpDays: 0 });
  if (registered.status !== 201) throw new Error(`registering ${deployment}: ${registered.status} ${JSON.stringify(registered.body)}`);
  const live = await admin.post(`/v1/deployments/${deployment}/go-live`, { at: new Date(Date.now() - 3 * DAY).toISOString() });
  if (live.status !== 200) throw new Error(`go-live of ${deployment}: ${live.status} ${JSON.stringify(live.body)}`);
  const key = (await admin.post(`/v1/deployments/${deployment}/keys`)).body?.key;
  if (typeof key !== 'string') throw new Error(`no ingest key issued for ${deployment}`);
  return key;
}

const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;
const aiTasks = async (url: string, deployment: string) =>
  (await client(url, ADMIN_TOKEN).get(`/v1/deployments/${deployment}/scorecard`)).body?.windows?.current?.tasks?.ai as number | undefined;

describeWithPrivateBroker('the Kafka intake under faults (private broker)', () => {
  const dirs: string[] = [];
  const children: AppChild[] = [];
  let broker: PrivateBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  const tempDir = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), `baseliner-kafka-faults-${name}-`));
    dirs.push(dir);
    return dir;
  };
  /** The all-in-one server in a child process, remembered for cleanup and in `mine` for failure reports. */
  const startServer = (mine: AppChild[], name: string, dataDir: string, env: Record<string, string>): AppChild => {
    const app = { name, ...startAppProcess('baseliner', dataDir, { BASELINER_ADMIN_TOKEN: ADMIN_TOKEN, ...env }) };
    app.url.catch(() => undefined);
    children.push(app);
    mine.push(app);
    return app;
  };
  /** SIGTERM, and a graceful end: Nest re-raises the signal after its shutdown hooks; exit 1 = the shutdown deadline or a crash. */
  const stopGracefully = async (app: AppChild) => {
    app.child.kill('SIGTERM');
    expect([0, 'SIGTERM']).toContain(await exited(app.child));
  };
  const createTopic = async (topic: string) => {
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true })).toBe(true);
  };
  const kafkaEnv = (topic: string, group: string) => ({
    BASELINER_KAFKA_BROKERS: broker.address,
    BASELINER_KAFKA_TOPIC: topic,
    BASELINER_KAFKA_GROUP: group,
  });

  beforeAll(async () => {
    broker = new PrivateBroker(join(tempDir('broker'), 'kafka'));
    await broker.start();
    kafka = new Kafka({ clientId: 'kafka-faults-test', brokers: [broker.address], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
  }, 200_000);

  afterAll(async () => {
    await stopAll(children, 10_000);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.dispose();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('counts every produced event exactly once when the consumer is SIGKILLed mid-stream and restarted', async () => {
    const TOTAL = 20_000;
    const BATCH = 500;
    const KILL_AFTER = 500;
    const deployment = 'kafka-killed';
    const topic = `faults-kill-${shortId()}`;
    const group = `${topic}-group`;
    const dataDir = tempDir('kill');
    await createTopic(topic);
    const env = kafkaEnv(topic, group);
    const mine: AppChild[] = [];

    await explainingFailures(
      () => mine,
      async () => {
        // The deployment is registered first, by the same server without Kafka, so that the whole
        // stream waits in the topic: the consumer then works flat out, several appends per batch.
        const setup = startServer(mine, 'all-in-one (registration, without Kafka)', dataDir, {});
        const key = await registerWithKey(await setup.url, deployment);
        await stopGracefully(setup);
        const produced: string[] = [];
        for (let start = 0; start < TOTAL; start += BATCH) {
          const batch = Array.from({ length: BATCH }, () => taskCompleted(deployment));
          await producer.send({ topic, acks: -1, messages: records(batch, key) });
          produced.push(...batch.map((e) => e.id));
        }

        const first = startServer(mine, 'all-in-one (consuming, SIGKILLed)', dataDir, env);
        const firstUrl = await first.url;
        const acceptedBeforeKill = await eventually(async () => received(await scrape(firstUrl), 'accepted'), (n) => n >= KILL_AFTER, 120_000, 20);
        first.child.kill('SIGKILL');
        expect(await exited(first.child)).toBe('SIGKILL');

        // Mid-stream, and the broker's committed offsets never run ahead of the store.
        const committedAtKill = TOTAL - (await committedLag(admin, topic, group));
        const storedAtKill = (await storedIdsSqlite(dataDir, deployment)).length;
        expect(storedAtKill).toBeGreaterThanOrEqual(acceptedBeforeKill);
        expect(storedAtKill).toBeLessThan(TOTAL);
        expect(committedAtKill).toBeLessThanOrEqual(storedAtKill);

        const second = startServer(mine, 'all-in-one (restarted)', dataDir, env);
        const secondUrl = await second.url;
        expect(await eventually(() => committedLag(admin, topic, group), (lag) => lag === 0, 150_000, 500)).toBe(0);
        // What a user sees: the scorecard counts each task once.
        expect(await eventually(() => aiTasks(secondUrl, deployment), (n) => n === TOTAL, 60_000, 500)).toBe(TOTAL);
        // The restart re-read everything after the committed offsets: what the killed process had
        // stored came back as duplicates, the rest was accepted.
        const metrics = await scrape(secondUrl);
        console.info(
          `SIGKILL test: killed once /metrics showed ${acceptedBeforeKill} accepted, with ${storedAtKill} of ${TOTAL} stored, ${committedAtKill} committed; ` +
            `after the restart ${received(metrics, 'accepted')} accepted, ${received(metrics, 'duplicate')} re-read as duplicates`,
        );
        expect({ accepted: received(metrics, 'accepted'), duplicates: received(metrics, 'duplicate') }).toEqual({
          accepted: TOTAL - storedAtKill,
          duplicates: storedAtKill - committedAtKill,
        });

        await stopGracefully(second);
        const stored = await storedIdsSqlite(dataDir, deployment);
        const { missing, duplicated, unexpected } = reconcile(stored, produced);
        expect({ stored: stored.length, missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5), unexpected: unexpected.slice(0, 5) }).toEqual({
          stored: TOTAL,
          missing: [],
          duplicated: [],
          unexpected: [],
        });
      },
    );
  }, 240_000);

  it('loses no acknowledged event when the broker restarts mid-stream, and the intake recovers by itself', async () => {
    const BATCH = 100;
    const deployment = 'kafka-broker-restart';
    const topic = `faults-restart-${shortId()}`;
    const group = `${topic}-group`;
    const dataDir = tempDir('restart');
    await createTopic(topic);
    const mine: AppChild[] = [];
    const server = startServer(mine, 'all-in-one', dataDir, kafkaEnv(topic, group));

    await explainingFailures(
      () => mine,
      async () => {
        const url = await server.url;
        const key = await registerWithKey(url, deployment);
        expect(await eventually(() => readyz(url), (s) => s === 200, 60_000)).toBe(200);

        // A producer that keeps trying: a failed send is sent again after a short wait. It sends
        // before, during and after the outage, until told to stop.
        const restless = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 } });
        await restless.connect();
        const attempted = new Set<string>();
        const acknowledged: string[] = [];
        let failedSends = 0;
        let keepProducing = true;
        let abandoned = false;
        const producing = (async () => {
          while (keepProducing) {
            const batch = Array.from({ length: BATCH }, () => taskCompleted(deployment));
            for (const e of batch) attempted.add(e.id);
            failedSends += await sendUntilAcknowledged(restless, topic, records(batch, key), { waitMs: 500, deadline: Date.now() + 120_000, giveUp: () => abandoned });
            acknowledged.push(...batch.map((e) => e.id));
            await sleep(200);
          }
        })();
        producing.catch(() => undefined);

        try {
          // Mid-stream: some batches consumed, more coming.
          await eventually(async () => received(await scrape(url), 'accepted'), (n) => n >= 10 * BATCH, 60_000, 100);

          // Readiness as a load balancer or orchestrator would see it, from the outage until recovery.
          const readiness: { at: number; status: number }[] = [];
          const watcher = (async () => {
            while (keepProducing) {
              readiness.push({ at: Date.now(), status: await readyz(url).catch(() => 0) });
              await sleep(250);
            }
          })();

          const downAt = Date.now();
          await broker.stop();
          const stoppedAt = Date.now();
          // How /metrics answers while the broker is away (for the report; the scrape may wait on the broker).
          const metricsDuringOutage = fetch(`${url}/metrics`, { signal: AbortSignal.timeout(60_000) }).then(
            (r) => `${r.status} after ${Date.now() - stoppedAt} ms`,
            (e: Error) => `${e.name} after ${Date.now() - stoppedAt} ms`,
          );
          // Long enough for the consumer to give up its retries and restart itself (about 10 s in kafkajs).
          await sleep(8_000);
          // The outage is real: nothing listens, and the producer has a batch it cannot get acknowledged.
          expect(await nothingListens(broker.address)).toBe(true);
          expect(attempted.size).toBeGreaterThan(acknowledged.length);
          await broker.start();
          const upAt = Date.now();
          const acknowledgedBeforeUp = acknowledged.length;
          // Recovered by itself: ready again, and acknowledged records after the restart consumed.
          expect(await eventually(() => readyz(url), (s) => s === 200, 120_000, 250)).toBe(200);
          const readyAt = Date.now();
          await eventually(async () => acknowledged.length, (n) => n >= acknowledgedBeforeUp + 5 * BATCH, 60_000);
          keepProducing = false;
          await producing;
          await watcher;

          expect(await eventually(() => committedLag(admin, topic, group), (lag) => lag === 0, 120_000, 500)).toBe(0);
          expect(await eventually(() => aiTasks(url, deployment), (n) => n === acknowledged.length, 60_000, 500)).toBe(acknowledged.length);

          const unready = readiness.filter((r) => r.status !== 200);
          console.info(
            `broker restart test: broker down ${((upAt - downAt) / 1000).toFixed(1)} s, ${failedSends} failed sends sent again; ` +
              `/readyz not 200 in ${unready.length} of ${readiness.length} samples ` +
              `(${unready.length ? `${((unready[0]!.at - downAt) / 1000).toFixed(1)}–${((unready[unready.length - 1]!.at - downAt) / 1000).toFixed(1)} s after the stop` : 'never'}); ` +
              `ready again ${((readyAt - downAt) / 1000).toFixed(1)} s after the stop; ${acknowledged.length} records acknowledged; ` +
              `/metrics asked after kafka-down.sh returned: ${await metricsDuringOutage}`,
          );
          // The intake came back by itself: same process, ready again, consuming to the end.
          expect(running(server.child)).toBe(true);
        } finally {
          // On a failure above: stop the producer without waiting for its batch.
          keepProducing = false;
          abandoned = true;
          await producing.catch(() => undefined);
          await restless.disconnect().catch(() => undefined);
        }

        await stopGracefully(server);
        const stored = await storedIdsSqlite(dataDir, deployment);
        const { missing, duplicated, unexpected } = reconcile(stored, acknowledged);
        const neverAttempted = stored.filter((id) => !attempted.has(id));
        expect({ missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5), neverAttempted: neverAttempted.slice(0, 5) }).toEqual({
          missing: [],
          duplicated: [],
          neverAttempted: [],
        });
        // Every send was retried until acknowledged, so what was stored is exactly what was acknowledged.
        expect(unexpected).toEqual([]);
        expect(stored).toHaveLength(acknowledged.length);
      },
    );
  }, 240_000);

  describeWithPostgres('two consumers in one group, on PostgreSQL', () => {
    let database: Awaited<ReturnType<typeof freshDatabase>> | undefined;
    const mine: AppChild[] = [];

    beforeAll(async () => {
      database = await freshDatabase();
    });
    afterAll(async () => {
      await stopAll(mine, 10_000);
      await database?.drop();
    }, 60_000);

    it('splits the partitions between the two and stores each event once', async () => {
      const TOTAL = 10_000;
      const BATCH = 500;
      const deployment = 'kafka-shared';
      const topic = `faults-group-${shortId()}`;
      const group = `${topic}-group`;
      await createTopic(topic);
      const db = database as NonNullable<typeof database>;
      const storeEnv = {
        BASELINER_EVENT_STORE: 'postgres',
        BASELINER_POSTGRES_URL: db.url,
        BASELINER_ADMIN_TOKEN: ADMIN_TOKEN,
        BASELINER_ACTOR_KEY: ACTOR_KEY,
      };
      // The control API (HTTP intake app) registers the deployment; the Kafka intakes follow the log.
      const control = { name: 'intake (control API)', ...startAppProcess('intake', tempDir('control'), storeEnv) };
      control.url.catch(() => undefined);
      mine.push(control);
      children.push(control);

      await explainingFailures(
        () => mine,
        async () => {
          const key = await registerWithKey(await control.url, deployment);
          const consumers = ['A', 'B'].map((name) => {
            const app = startKafkaIntakeProcess(`kafka-intake ${name}`, tempDir(`consumer-${name}`), { ...storeEnv, ...kafkaEnv(topic, group) });
            mine.push(app);
            children.push(app);
            return app;
          });
          const urls = await Promise.all(consumers.map((c) => c.url));
          for (const url of urls) expect(await eventually(() => readyz(url), (s) => s === 200, 60_000)).toBe(200);
          // Both in the group, each holding partitions, before the first record.
          const assignment = await eventually(
            () => stableAssignment(admin, group, topic),
            (a) => a !== undefined && a.length === 2 && a.every((partitions) => partitions.length > 0),
            60_000,
            500,
          );
          expect(assignment?.flat().sort()).toEqual([0, 1, 2, 3]);

          const produced: string[] = [];
          for (let start = 0; start < TOTAL; start += BATCH) {
            const batch = Array.from({ length: Math.min(BATCH, TOTAL - start) }, () => taskCompleted(deployment));
            await producer.send({ topic, acks: -1, messages: records(batch, key, 64) });
            produced.push(...batch.map((e) => e.id));
          }
          expect(await eventually(() => committedLag(admin, topic, group), (lag) => lag === 0, 120_000, 500)).toBe(0);

          const pages = await Promise.all(urls.map(scrape));
          const accepted = pages.map((page) => received(page, 'accepted'));
          console.info(`two consumers: accepted ${accepted.join(' + ')} of ${TOTAL}; partitions ${JSON.stringify(assignment)}`);
          // Each consumed a share, and together they stored each record once.
          for (const n of accepted) expect(n).toBeGreaterThan(0);
          expect(accepted.reduce((a, b) => a + b, 0)).toBe(TOTAL);

          for (const consumer of consumers) await stopGracefully(consumer);
          const stored = await storedIdsPostgres(db.url, deployment);
          const { missing, duplicated, unexpected } = reconcile(stored, produced);
          expect({ stored: stored.length, missing: missing.slice(0, 5), duplicated: duplicated.slice(0, 5), unexpected: unexpected.slice(0, 5) }).toEqual({
            stored: TOTAL,
            missing: [],
            duplicated: [],
            unexpected: [],
          });
        },
      );
    }, 240_000);
  });
});
