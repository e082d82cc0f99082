import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BaselinerAppModule } from '../../baseliner/src/app.module';
import { bootServer, loadConfiguration, type RunningServer } from '@baseliner/platform';
import { ProjectorService } from '@baseliner/projector';
import { BaselinerClient, type CloudEvent } from '@baseliner/sdk';
import { backfill, liveTick, timelineAt } from './history';
import { OTLP_STORY, sendOtlpLogs, type OtlpTarget } from './otlp';
import { BASELINE_DAYS, DAY, GO_LIVE_DAYS_AGO, seeded, STORIES } from './stories';

export interface DemoOptions {
  port: number;
  dataDir: string;
  /** Keep streaming events for "now" after the backfill. */
  live: boolean;
  liveEveryMs?: number;
  /** Send doc-review's events as OTLP log records to /otlp/v1/logs instead of through the SDK (BASELINER_DEMO_OTLP, otlp.ts). */
  otlp?: boolean;
  log?: (line: string) => void;
  /** Aborting stops a demo still starting: it closes what it opened (clients, server, store) and rejects. */
  signal?: AbortSignal;
}

export interface RunningDemo {
  server: RunningServer;
  url: string;
  adminToken: string;
  backfilledEvents: number;
  /** Stops the live stream and the SDK clients, then the server (which closes the store). Once; later calls wait for the first. */
  stop(): Promise<void>;
}

/**
 * The file the demo writes in a data directory it creates. Each run starts from fresh data, so it
 * deletes the directory it used before: only one with this file in it.
 */
export const DEMO_MARKER = '.baseliner-demo';

/** What a data directory is to the demo: its own (it may start it afresh), or not. */
export type DemoDirectoryState = 'absent' | 'empty' | 'demo' | 'foreign';

export function demoDirectoryState(dir: string): DemoDirectoryState {
  if (!existsSync(dir)) return 'absent';
  if (!statSync(dir).isDirectory()) return 'foreign';
  const entries = readdirSync(dir);
  if (entries.length === 0) return 'empty';
  return entries.includes(DEMO_MARKER) ? 'demo' : 'foreign';
}

/** A data directory the demo did not create: it refuses it rather than delete what is in it. */
export class DemoDirectoryRefusedError extends Error {
  override readonly name = 'DemoDirectoryRefusedError';

  constructor(readonly dataDir: string) {
    const entries = statSync(dataDir).isDirectory() ? readdirSync(dataDir).sort() : [];
    const shown = entries.slice(0, 5).map((entry) => (statSync(join(dataDir, entry)).isDirectory() ? `${entry}/` : entry));
    const holds = entries.length === 0 ? 'is not a directory' : `holds ${shown.join(', ')}${entries.length > shown.length ? ', …' : ''}`;
    const store = entries.includes('events.db') || entries.includes('secrets') ? ' (a Baseliner store: its admin token, keys and events)' : '';
    super(
      [
        `The demo will not use ${dataDir}: it ${holds}${store}, which the demo did not create.`,
        'The demo starts from fresh data and would have to delete it; it never deletes a directory it did not create.',
        'To run the demo, point BASELINER_DATA_DIR at a new or empty directory, or unset it (the demo then uses ./data-demo).',
        `If ${dataDir} is an earlier demo's and you no longer need it, delete it yourself: rm -rf '${dataDir}'`,
      ].join('\n'),
    );
  }
}

/**
 * Makes `dir` a fresh, empty demo directory, with the demo's marker in it. Deletes the directory
 * only when the demo created it (the marker is there); an empty or absent one is taken over;
 * anything else is refused with a DemoDirectoryRefusedError.
 */
export function freshDemoDirectory(dir: string): void {
  const dataDir = resolve(dir);
  const state = demoDirectoryState(dataDir);
  if (state === 'foreign') throw new DemoDirectoryRefusedError(dataDir);
  if (state === 'demo') rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(
    join(dataDir, DEMO_MARKER),
    `Created by npm run demo on ${new Date().toISOString()}. Each demo run deletes this directory and starts afresh;\n` +
      'delete this file to keep the directory from the next demo run (which will then refuse it).\n',
  );
}

/** Rejects with the signal's reason as soon as it aborts (and at once if it already has). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolveWork, reject) => {
    const onAbort = () => reject(new DemoAbortedError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolveWork, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The demo was stopped (a signal) while it was still starting; what it opened is closed. */
export class DemoAbortedError extends Error {
  override readonly name = 'DemoAbortedError';
  constructor() {
    super('the demo was stopped while starting');
  }
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
  const { signal } = options;
  const dataDir = resolve(options.dataDir);
  if (signal?.aborted) throw new DemoAbortedError();
  freshDemoDirectory(dataDir);
  const config = loadConfiguration({ PORT: String(options.port), BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn' });
  const server = await bootServer((platform) => BaselinerAppModule.forRoot(platform), { config, announce: false });
  // One way out: the demo's stop (live stream and clients first, then the server, which closes the
  // store). Nest's own signal handlers would run the shutdown hooks a second time, side by side
  // with it, and the process could end before the store had closed (its WAL and lock journal left).
  (server.app as unknown as { unsubscribeFromProcessSignals(): void }).unsubscribeFromProcessSignals();
  const { url } = server;
  const token = server.secrets.adminToken;

  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const clients = new Map<string, BaselinerClient>();
  const warned = new Set<string>();
  const warnOnce = (story: string, error: Error) => {
    if (stopping || warned.has(error.message)) return;
    warned.add(error.message);
    process.stderr.write(`demo/${story}: ${error.message}\n`);
  };
  // The OTLP story's exports under way, and what stops them.
  let otlpTarget: OtlpTarget | undefined;
  const otlpAborted = new AbortController();
  const otlpInFlight = new Set<Promise<unknown>>();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      if (timer) clearInterval(timer);
      otlpAborted.abort();
      // A backfill under way is given up (its events are the demo's, made up again next run).
      await Promise.all([...clients.values()].map((c) => c.close({ timeoutMs: 2_000 })));
      await Promise.allSettled(otlpInFlight);
      await server.close();
    })());

  try {
    const timeline = timelineAt(Date.now());
    for (const story of STORIES) {
      await unlessAborted(admin(url, token, 'POST', '/v1/deployments', { id: story.id, ...story.registration }), signal);
      for (const wave of story.waves ?? [{ day: 0 }]) {
        const at = new Date(timeline.goLive + wave.day * DAY).toISOString();
        await unlessAborted(admin(url, token, 'POST', `/v1/deployments/${story.id}/go-live`, { at, ...('segments' in wave && { segments: wave.segments }) }), signal);
      }
      const { key } = (await unlessAborted(admin(url, token, 'POST', `/v1/deployments/${story.id}/keys`), signal)) as { key: string };
      if (options.otlp && story.id === OTLP_STORY) {
        otlpTarget = { url, ingestKey: key, deployment: story.id, source: `demo/${story.id}`, signal: otlpAborted.signal };
      }
      clients.set(
        story.id,
        new BaselinerClient({
          url,
          ingestKey: key,
          deployment: story.id,
          source: `demo/${story.id}`,
          batchSize: 1000,
          maxQueue: 200_000,
          // What a stop gives up is not worth a warning; anything else is, once per problem.
          onError: (error) => warnOnce(story.id, error),
        }),
      );
    }
    // Whole days since go-live, counted as the pages and `baseliner status` count them.
    const daysLive = Math.floor((timeline.now - timeline.goLive) / DAY);
    log(`registered ${STORIES.length} deployments, live for ${daysLive} days; backfilling ${BASELINE_DAYS + GO_LIVE_DAYS_AGO} days of history and today up to now…`);

    const random = seeded(2026);
    const clientOf = (id: string) => clients.get(id) as BaselinerClient;
    const viaOtlp = (id: string) => otlpTarget !== undefined && id === OTLP_STORY;
    const sendViaOtlp = (events: CloudEvent[]) => {
      const sending = sendOtlpLogs(events, otlpTarget as OtlpTarget);
      otlpInFlight.add(sending);
      void sending.finally(() => otlpInFlight.delete(sending)).catch(() => undefined);
      return sending;
    };
    let otlpBackfill = Promise.resolve({ records: 0, rejected: 0, message: '' });
    for (const [id, events] of backfill(STORIES, timeline, random)) {
      if (viaOtlp(id)) otlpBackfill = sendViaOtlp(events);
      else for (const event of events) clientOf(id).track(event);
    }
    const [otlpSent] = await unlessAborted(Promise.all([otlpBackfill, ...[...clients.values()].map((c) => c.flush())]), signal);
    if (otlpTarget) {
      const rejected = otlpSent.rejected > 0 ? `, ${otlpSent.rejected} rejected: ${otlpSent.message}` : '';
      log(`${OTLP_STORY}: ${otlpSent.records.toLocaleString()} events sent as OpenTelemetry log records (protobuf, POST /otlp/v1/logs)${rejected}`);
    }
    const backfilledEvents = [...clients.values()].reduce((sum, c) => sum + c.stats.accepted + c.stats.duplicates, otlpSent.records - otlpSent.rejected);

    // Live events are stamped with the time they are sent. The first slice goes out before the
    // portfolio is shown, so its "last event" is the live stream's, not the backfill's.
    let tick = 0;
    const sendLiveSlice = () => {
      const now = new Date();
      for (const story of STORIES) {
        const events = liveTick(story, tick, now, random);
        if (!viaOtlp(story.id)) for (const event of events) clientOf(story.id).track(event);
        else if (events.length > 0) sendViaOtlp(events).catch((error: Error) => warnOnce(story.id, error));
      }
      tick += 1;
    };
    if (options.live) {
      sendLiveSlice();
      // An OTLP export that failed has been said (warnOnce); the start goes on, as with the SDK's.
      await unlessAborted(Promise.all([Promise.allSettled(otlpInFlight), ...[...clients.values()].map((c) => c.flush())]), signal);
    }
    const projector = server.app.get(ProjectorService);
    await unlessAborted(projector.catchUp(60_000), signal);
    await unlessAborted(projector.evaluate(), signal);

    if (options.live) timer = setInterval(sendLiveSlice, options.liveEveryMs ?? 15_000);
    return { server, url, adminToken: token, backfilledEvents, stop };
  } catch (error) {
    // Whatever stopped the start (a signal, a failed request), the store closes before it is said.
    await stop().catch(() => undefined);
    throw error;
  }
}
