import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { BaselinerAppModule } from '../../baseliner/src/app.module';
import { bootServer, loadConfiguration, type RunningServer } from '@baseliner/platform';
import { ProjectorService } from '@baseliner/projector';
import { BaselinerClient } from '@baseliner/sdk';
import { backfill, liveTick, timelineAt } from './history';
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
 * Starts the all-in-one server on a fresh data dir, registers the seven demo deployments (one
 * going live desk by desk),
 * backfills their history through the SDK (ten weeks: four of baseline, six live, today up to
 * now), sends a first live slice, and then, if asked, keeps streaming events at a gentle rate.
 */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  rmSync(dataDir, { recursive: true, force: true });
  const config = loadConfiguration({ PORT: String(options.port), BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn' });
  const server = await bootServer((platform) => BaselinerAppModule.forRoot(platform), { config, announce: false });
  const { url } = server;
  const token = server.secrets.adminToken;

  const timeline = timelineAt(Date.now());
  const clients = new Map<string, BaselinerClient>();
  for (const story of STORIES) {
    await admin(url, token, 'POST', '/v1/deployments', { id: story.id, ...story.registration });
    for (const wave of story.waves ?? [{ day: 0 }]) {
      const at = new Date(timeline.goLive + wave.day * DAY).toISOString();
      await admin(url, token, 'POST', `/v1/deployments/${story.id}/go-live`, { at, ...('segments' in wave && { segments: wave.segments }) });
    }
    const { key } = (await admin(url, token, 'POST', `/v1/deployments/${story.id}/keys`)) as { key: string };
    clients.set(story.id, new BaselinerClient({ url, ingestKey: key, deployment: story.id, source: `demo/${story.id}`, batchSize: 1000, maxQueue: 200_000 }));
  }
  log(`registered ${STORIES.length} deployments, live for ${GO_LIVE_DAYS_AGO} days; backfilling ${BASELINE_DAYS + GO_LIVE_DAYS_AGO} days of history and today up to now…`);

  const random = seeded(2026);
  const clientOf = (id: string) => clients.get(id) as BaselinerClient;
  for (const [id, events] of backfill(STORIES, timeline, random)) for (const event of events) clientOf(id).track(event);
  await Promise.all([...clients.values()].map((c) => c.flush()));
  const backfilledEvents = [...clients.values()].reduce((sum, c) => sum + c.stats.accepted + c.stats.duplicates, 0);

  // Live events are stamped with the time they are sent. The first slice goes out before the
  // portfolio is shown, so its "last event" is the live stream's, not the backfill's.
  let tick = 0;
  const sendLiveSlice = () => {
    const now = new Date();
    for (const story of STORIES) for (const event of liveTick(story, tick, now, random)) clientOf(story.id).track(event);
    tick += 1;
  };
  if (options.live) {
    sendLiveSlice();
    await Promise.all([...clients.values()].map((c) => c.flush()));
  }
  const projector = server.app.get(ProjectorService);
  await projector.catchUp(60_000);
  await projector.evaluate();

  const timer = options.live ? setInterval(sendLiveSlice, options.liveEveryMs ?? 15_000) : undefined;

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
