import { exportResponseBody, mapLogs, OtlpProtobuf, statusBody, type OtlpLogsRequest } from '@baseliner/otlp-intake';
import type { CloudEvent } from '@baseliner/sdk';
import { backfill, liveTick, timelineAt } from './history';
import { OTLP_BATCH, OTLP_STORY, otlpLogsRequest, otlpRequested, sendOtlpLogs } from './otlp';
import { seeded, STORIES } from './stories';

const story = STORIES.find((s) => s.id === OTLP_STORY)!;

/** doc-review's history and a day of live ticks, as the demo makes them. */
function storyEvents(): CloudEvent[] {
  const now = Date.parse('2026-12-02T10:17:00Z');
  const random = seeded(2026);
  const events = [...(backfill([story], timelineAt(now), random).get(OTLP_STORY) ?? [])];
  for (let tick = 0; tick < 24; tick += 1) events.push(...liveTick(story, tick, new Date(now + tick * 15_000), random));
  return events;
}

/** What the receiver makes of the demo's bytes, export by export as the demo sends them (OTLP_BATCH records each). */
function received(events: CloudEvent[]) {
  const all = mapLogs({}, { keyDeploymentId: 'other', idKey: 'k' });
  for (let start = 0; start < events.length; start += OTLP_BATCH) {
    const bytes = OtlpProtobuf.ExportLogsServiceRequest.encode(otlpLogsRequest(events.slice(start, start + OTLP_BATCH), OTLP_STORY, `demo/${OTLP_STORY}`)).finish();
    const mapped = mapLogs(OtlpProtobuf.ExportLogsServiceRequest.decode(bytes) as unknown as OtlpLogsRequest, { keyDeploymentId: 'other', idKey: 'k' });
    all.events.push(...mapped.events);
    all.rejected.push(...mapped.rejected);
    for (const [reason, count] of mapped.ignored) all.ignored.set(reason, (all.ignored.get(reason) ?? 0) + count);
  }
  return all;
}

describe('BASELINER_DEMO_OTLP', () => {
  it('is off unset or 0/false/no, on with 1/true/yes', () => {
    for (const off of [undefined, '', '0', 'false', 'no', 'off', ' FALSE ']) expect(otlpRequested(off)).toBe(false);
    for (const on of ['1', 'true', 'yes', 'on', 'True']) expect(otlpRequested(on)).toBe(true);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => otlpRequested('doc-review')).toThrow(/^BASELINER_DEMO_OTLP=doc-review is not understood: set it to 1/);
  });
});

describe('the OTLP story as log records', () => {
  const events = storyEvents();

  it('comes out of the receiver’s mapping as the events the SDK would have sent (type, time, deployment, source, data)', () => {
    const mapped = received(events);
    expect(events.length).toBeGreaterThan(2_000);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(['task.completed', 'escalation.raised', 'ai.overridden']));
    expect(mapped.rejected).toEqual([]);
    expect(mapped.ignored.size).toBe(0);
    expect(mapped.events.map(({ type, time, deployment, source, data }) => ({ type, time, deployment, source, data }))).toEqual(
      events.map(({ type, time, deployment, source, data }) => ({ type, time, deployment, source, data })),
    );
  });

  it('gives every event an id of its own (OTLP ids come from the record: identical records would be one event)', () => {
    const ids = received(events).events.map((event) => event.id);
    expect(new Set(ids).size).toBe(events.length);
  });

  it('sends the actor as user.id, integers as int, fractions as double', () => {
    const [task] = otlpLogsRequest(events.slice(0, 1), OTLP_STORY, 'demo/doc-review').resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(task!.eventName).toBe('task.completed');
    expect(task!.timeUnixNano).toBe(`${Date.parse(events[0]!.time)}000000`);
    const attributes = Object.fromEntries(task!.attributes.map(({ key, value }) => [key, value]));
    expect(Object.keys(attributes)).toContain('user.id');
    expect(Object.keys(attributes)).not.toContain('actor');
    expect(attributes.durationSeconds).toEqual({ intValue: events[0]!.data.durationSeconds });
    expect(attributes.costUsd).toEqual(Number.isInteger(events[0]!.data.costUsd) ? { intValue: events[0]!.data.costUsd } : { doubleValue: events[0]!.data.costUsd });
  });
});

describe('sendOtlpLogs', () => {
  const events = storyEvents().slice(0, OTLP_BATCH * 2 + 7);
  const target = { url: 'http://baseliner.test', ingestKey: 'key-1', deployment: OTLP_STORY, source: 'demo/doc-review' };
  const reply = (status: number, body: Buffer | string, headers: Record<string, string> = {}) =>
    new Response(new Uint8Array(typeof body === 'string' ? Buffer.from(body) : body), { status, headers: { 'content-type': 'application/x-protobuf', ...headers } });

  it('posts protobuf exports of at most OTLP_BATCH records with the ingest key, and adds up what was rejected', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fake = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return calls.length === 2 ? reply(200, exportResponseBody('protobuf', 'logs', 3, 'record 1 invalid_data: …')) : reply(200, exportResponseBody('protobuf', 'logs', 0, ''));
    }) as unknown as typeof fetch;
    await expect(sendOtlpLogs(events, { ...target, fetch: fake })).resolves.toEqual({ records: events.length, rejected: 3, message: 'record 1 invalid_data: …' });
    expect(calls.map((c) => c.url)).toEqual(Array(3).fill('http://baseliner.test/otlp/v1/logs'));
    expect(calls[0]!.init.headers).toEqual({ authorization: 'Bearer key-1', 'content-type': 'application/x-protobuf' });
    const sizes = calls.map((c) => (OtlpProtobuf.ExportLogsServiceRequest.decode(c.init.body as Uint8Array) as unknown as OtlpLogsRequest).resourceLogs![0]!.scopeLogs![0]!.logRecords!.length);
    expect(sizes).toEqual([OTLP_BATCH, OTLP_BATCH, 7]);
  });

  it('retries a 429 after its Retry-After, and throws on a refusal with the receiver’s message', async () => {
    let calls = 0;
    const throttled = (async () => (++calls === 1 ? reply(429, statusBody('protobuf', 429, 'slow down'), { 'retry-after': '1' }) : reply(200, ''))) as unknown as typeof fetch;
    await expect(sendOtlpLogs(events.slice(0, 3), { ...target, fetch: throttled })).resolves.toEqual({ records: 3, rejected: 0, message: '' });
    expect(calls).toBe(2);
    const refused = (async () => reply(401, statusBody('protobuf', 401, 'unknown ingest key'))) as unknown as typeof fetch;
    await expect(sendOtlpLogs(events.slice(0, 3), { ...target, fetch: refused })).rejects.toThrow('POST /otlp/v1/logs: 401 unknown ingest key');
  });
});
