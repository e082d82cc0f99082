import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { BaselinerAppModule } from '../../baseliner/src/app.module';
import { bootServer, loadConfiguration, type RunningServer } from '@baseliner/platform';
import { ProjectorService } from '@baseliner/projector';
import { BaselinerClient } from '@baseliner/sdk';
import { BASELINE_DAYS, DAY, GO_LIVE_DAYS_AGO, seeded, STORIES } from './stories';

export interface DemoOptions {
  port: number;
  dataDir: string;
  /** Keep streaming events for "now" after the backfill. */
  live: boolean;
  liveEveryMs?: number;
  log?: (line: string) => void;
}

export interface RunningDemo {
  server: RunningServer;
  url: string;
  adminToken: string;
  backfilledEvents: number;
  stop(): Promise<void>;
}

async function admin(url: string, token: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(reply)}`);
  return reply;
}

/**
 * Starts the all-in-one server on a fresh data dir, registers the six demo deployments,
 * backfills their history through the SDK (ten weeks: four of baseline, six live), and then,
 * if asked, keeps streaming events at a gentle rate.
 */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfiguration({ PORT: String(options.port), BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn' });
  const server = await bootServer((platform) => BaselinerAppModule.forRoot(platform), { config, announce: false });
  const { url } = server;
  const token = server.secrets.adminToken;

  const today = Math.floor(Date.now() / DAY) * DAY;
  const goLive = today - GO_LIVE_DAYS_AGO * DAY + 8 * 3_600_000;
  const clients = new Map<string, BaselinerClient>();
  for (const story of STORIES) {
    await admin(url, token, 'POST', '/v1/deployments', { id: story.id, ...story.registration });
    await admin(url, token, 'POST', `/v1/deployments/${story.id}/go-live`, { at: new Date(goLive).toISOString() });
    const { key } = (await admin(url, token, 'POST', `/v1/deployments/${story.id}/keys`)) as { key: string };
    clients.set(story.id, new BaselinerClient({ url, ingestKey: key, deployment: story.id, source: `demo/${story.id}`, batchSize: 1000, maxQueue: 200_000 }));
  }
  log(`registered ${STORIES.length} deployments, live for ${GO_LIVE_DAYS_AGO} days; backfilling ${BASELINE_DAYS + GO_LIVE_DAYS_AGO} days of history…`);

  const random = seeded(2026);
  for (const story of STORIES) {
    const client = clients.get(story.id) as BaselinerClient;
    for (let day = -BASELINE_DAYS; day < GO_LIVE_DAYS_AGO; day += 1) {
      const dayStart = goLive - 8 * 3_600_000 + day * DAY;
      story.day(client, day, (hour) => new Date(dayStart + hour * 3_600_000), random);
    }
  }
  await Promise.all([...clients.values()].map((c) => c.flush()));
  const backfilledEvents = [...clients.values()].reduce((sum, c) => sum + c.stats.accepted + c.stats.duplicates, 0);
  const projector = server.app.get(ProjectorService);
  await projector.catchUp(60_000);
  await projector.evaluate();

  let tick = 0;
  const timer = options.live
    ? setInterval(() => {
        tick += 1;
        const now = new Date();
        // Each tick is a small "day" of work for every deployment, stamped now.
        for (const story of STORIES) story.day(clients.get(story.id) as BaselinerClient, 1000 + tick, () => now, random);
      }, options.liveEveryMs ?? 15_000)
    : undefined;

  return {
    server,
    url,
    adminToken: token,
    backfilledEvents,
    stop: async () => {
      if (timer) clearInterval(timer);
      await Promise.all([...clients.values()].map((c) => c.close()));
      await server.close();
    },
  };
}
