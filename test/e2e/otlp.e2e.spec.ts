import { request as httpRequest } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ExportResultCode } from '@opentelemetry/core';
import { JsonLogsSerializer, ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { OtlpProtobuf } from '@baseliner/otlp-intake';
import { eventually } from '../support/eventually';
import { metricSum, postRaw, runExporter, sdkLogRecords, sdkSpans, type ExportOutcome, type RawReply } from '../support/otlp';
import { exited } from '../support/run-ts';
import { startAppProcess } from '../support/server-process';
import { client, deploymentWithKey, startTestServer, validRegistration, type TestServer } from '../support/test-server';

// The OTLP/HTTP receiver, fed by the OpenTelemetry JS SDK's own exporters and serializers: what a
// user notices is what the exporter reports, what the scorecard and /metrics then show, and, for
// every refusal, an OTLP-shaped answer (google.rpc.Status in the request's encoding), never a 5xx.

// Each exporter runs in a process of its own (about 2 s to start), and the projector needs a moment.
jest.setTimeout(30_000);

const LOGS = '/otlp/v1/logs';
const TRACES = '/otlp/v1/traces';
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const MIB = 1024 * 1024;

/** google.rpc.Code values OTLP clients see in an error body. */
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

let unique = 0;
const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${Date.now()}-${(unique += 1)}`;

/** A task.completed log record as an instrumented application emits it. */
function taskLog(overrides: Record<string, string | number> = {}) {
  return {
    eventName: 'task.completed',
    attributes: { taskId: uniqueId('otlp-task'), mode: 'ai', outcome: 'success', durationSeconds: 42, 'user.id': 'otlp.tester@example.com', ...overrides },
  };
}

/** The exporter reported success and logged nothing (no partial success, no error). */
function expectSuccess(outcome: ExportOutcome): void {
  expect({ code: outcome.code, error: outcome.error, warnings: outcome.warnings }).toEqual({ code: ExportResultCode.SUCCESS, error: undefined, warnings: [] });
}

/** The body of a refusal, decoded as an OTLP client would: google.rpc.Status. */
function rpcStatus(reply: RawReply): { code: number; message: string } {
  const type = reply.headers.get('content-type') ?? '';
  if (type.startsWith(PROTOBUF)) {
    const status = OtlpProtobuf.Status.toObject(OtlpProtobuf.Status.decode(reply.bytes), { defaults: true }) as { code: number; message: string };
    return { code: status.code, message: status.message };
  }
  expect(type).toMatch(/^application\/json/);
  return JSON.parse(reply.bytes.toString('utf8')) as { code: number; message: string };
}

/** A logs export response decoded from protobuf: the partial success, with the int64 as a number. */
function logsResponse(reply: RawReply): { rejectedLogRecords: number; errorMessage: string } | undefined {
  // Exactly the request's media type: the Collector's exporter reads a partial success only then.
  expect(reply.headers.get('content-type')).toBe('application/x-protobuf');
  const decoded = OtlpProtobuf.ExportLogsServiceResponse.toObject(OtlpProtobuf.ExportLogsServiceResponse.decode(reply.bytes), { longs: Number }) as {
    partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string };
  };
  if (!decoded.partialSuccess) return undefined;
  return { rejectedLogRecords: decoded.partialSuccess.rejectedLogRecords ?? 0, errorMessage: decoded.partialSuccess.errorMessage ?? '' };
}

/** Every file under a directory, as bytes (the data dir: the store, its WAL, snapshots, secrets…). */
function allBytes(dir: string): Buffer {
  const chunks: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    try {
      if (statSync(path).isDirectory()) chunks.push(allBytes(path));
      else chunks.push(readFileSync(path));
    } catch {
      // gone meanwhile (a temporary file)
    }
  }
  return Buffer.concat(chunks);
}

describe('OTLP/HTTP intake', () => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;
  let store: EventStore;
  const keys: Record<string, string> = {};

  const metrics = async (url = server.url) => (await fetch(`${url}/metrics`)).text();
  const received = (text: string, type: string, result: string) => metricSum(text, 'baseliner_events_received_total', { type, result });
  const auth = (deployment: string) => ({ authorization: `Bearer ${keys[deployment]}` });
  const stored = async (deployment: string) => (await store.readStream(`telemetry-${deployment}`)).map((e) => e.data as { id: string; type: string; source: string; data: Record<string, unknown> });
  /** Tasks the scorecard counts (by weekday: a deployment not live yet has no windows). */
  const tasksOnScorecard = async (deployment: string) => {
    const card = (await admin.get(`/v1/deployments/${deployment}/scorecard`)).body as { weekday?: { tasks?: Record<string, number> } };
    return Object.values(card.weekday?.tasks ?? {}).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    server = await startTestServer();
    admin = client(server.url, server.adminToken);
    store = server.app.get(EVENT_STORE);
    for (const deployment of ['otlp-proto', 'otlp-json', 'otlp-dedupe', 'otlp-partial', 'otlp-genai', 'otlp-errors', 'otlp-routing', 'otlp-elsewhere']) {
      keys[deployment] = await deploymentWithKey(server.url, server.adminToken, deployment);
    }
  });
  afterAll(async () => server?.dispose());

  describe('log records with a contract event name become events', () => {
    it('stores a task.completed sent by the protobuf exporter: the exporter reports success, the scorecard and /metrics count it', async () => {
      const before = await metrics();
      const result = await runExporter({
        kind: 'logs-proto',
        url: `${server.url}${LOGS}`,
        headers: auth('otlp-proto'),
        resource: { 'service.name': 'doc-review-bot' },
        logs: [taskLog({ taskId: 'proto-task-1', durationSeconds: 42 })],
      });
      expectSuccess(result);

      const after = await metrics();
      expect(received(after, 'task.completed', 'accepted') - received(before, 'task.completed', 'accepted')).toBe(1);
      expect(received(after, 'task.completed', 'rejected') - received(before, 'task.completed', 'rejected')).toBe(0);
      expect(await eventually(() => tasksOnScorecard('otlp-proto'), (n) => n === 1)).toBe(1);

      // As a CloudEvent: the record's attributes are its data, the service its source, the actor pseudonymised.
      const [event] = await stored('otlp-proto');
      expect(event).toMatchObject({ type: 'task.completed', source: 'doc-review-bot', data: { taskId: 'proto-task-1', mode: 'ai', outcome: 'success', durationSeconds: 42 } });
      expect(event?.data.actor).toMatch(/^p_[A-Za-z0-9_-]{22}$/);
    });

    it('stores the same through the JSON (otlp-http) exporter', async () => {
      const before = await metrics();
      const result = await runExporter({
        kind: 'logs-json',
        url: `${server.url}${LOGS}`,
        headers: auth('otlp-json'),
        resource: { 'service.name': 'json-bot' },
        logs: [taskLog({ taskId: 'json-task-1', mode: 'assisted', outcome: 'rework', durationSeconds: 7.5 })],
      });
      expectSuccess(result);

      const after = await metrics();
      expect(received(after, 'task.completed', 'accepted') - received(before, 'task.completed', 'accepted')).toBe(1);
      expect(await eventually(() => tasksOnScorecard('otlp-json'), (n) => n === 1)).toBe(1);
      const [event] = await stored('otlp-json');
      expect(event).toMatchObject({ type: 'task.completed', source: 'json-bot', data: { taskId: 'json-task-1', mode: 'assisted', outcome: 'rework', durationSeconds: 7.5 } });
    });

    it('reads the event name from the event.name attribute too, and data from a key-value body', async () => {
      const records = await sdkLogRecords({ 'service.name': 'attr-bot' }, [
        { attributes: { 'event.name': 'task.completed', taskId: 'attr-task-1', mode: 'manual', outcome: 'success', durationSeconds: 3 } },
        { eventName: 'task.completed', body: { taskId: 'body-task-1', mode: 'manual', outcome: 'error', durationSeconds: 4 } },
      ]);
      const reply = await postRaw(`${server.url}${LOGS}`, ProtobufLogsSerializer.serializeRequest(records) as Uint8Array, { 'content-type': PROTOBUF, ...auth('otlp-proto') });
      expect(reply.status).toBe(200);
      expect(logsResponse(reply)).toBeUndefined();
      const events = await stored('otlp-proto');
      expect(events.find((e) => e.data.taskId === 'attr-task-1')).toMatchObject({ type: 'task.completed', data: { mode: 'manual', outcome: 'success', durationSeconds: 3 } });
      expect(events.find((e) => e.data.taskId === 'body-task-1')).toMatchObject({ type: 'task.completed', data: { mode: 'manual', outcome: 'error', durationSeconds: 4 } });
    });

    it('counts the same export sent twice as duplicates: 200 both times, stored once', async () => {
      const records = await sdkLogRecords({ 'service.name': 'retrying-bot' }, [taskLog(), taskLog()]);
      const payload = ProtobufLogsSerializer.serializeRequest(records) as Uint8Array;
      const send = () => postRaw(`${server.url}${LOGS}`, payload, { 'content-type': PROTOBUF, ...auth('otlp-dedupe') });

      const m0 = await metrics();
      const first = await send();
      const m1 = await metrics();
      const second = await send();
      const m2 = await metrics();

      expect(first.status).toBe(200);
      expect(logsResponse(first)).toBeUndefined();
      expect(received(m1, 'task.completed', 'accepted') - received(m0, 'task.completed', 'accepted')).toBe(2);
      expect(received(m1, 'task.completed', 'duplicate') - received(m0, 'task.completed', 'duplicate')).toBe(0);

      // A duplicate is not a rejection: the exporter is told everything was taken.
      expect(second.status).toBe(200);
      expect(logsResponse(second)).toBeUndefined();
      expect(received(m2, 'task.completed', 'accepted') - received(m1, 'task.completed', 'accepted')).toBe(0);
      expect(received(m2, 'task.completed', 'duplicate') - received(m1, 'task.completed', 'duplicate')).toBe(2);
      expect(await stored('otlp-dedupe')).toHaveLength(2);
      expect(await eventually(() => tasksOnScorecard('otlp-dedupe'), (n) => n === 2)).toBe(2);
    });
  });

  describe('partial success', () => {
    const MIXED = [taskLog(), taskLog({ mode: 'bogus' }), { eventName: 'ticket.closed', attributes: { ticketId: 'T-1' } }, { body: 'GET /healthz 200 3ms' }];
    // A fresh good record each time (the same one again would be a duplicate).
    const mixed = () => sdkLogRecords({ 'service.name': 'mixed-bot' }, [taskLog(), ...MIXED.slice(1)]);

    it('protobuf: takes the good record, rejects the invalid and the unknown with their reasons, ignores a plain log line', async () => {
      const records = await mixed();
      const before = await metrics();
      const reply = await postRaw(`${server.url}${LOGS}`, ProtobufLogsSerializer.serializeRequest(records) as Uint8Array, { 'content-type': PROTOBUF, ...auth('otlp-partial') });
      const after = await metrics();

      expect(reply.status).toBe(200);
      const partial = logsResponse(reply);
      expect(partial?.rejectedLogRecords).toBe(2);
      expect(partial?.errorMessage).toMatch(/^2 of 4 log records rejected: /);
      expect(partial?.errorMessage).toContain('record 1 (task.completed) invalid_data');
      expect(partial?.errorMessage).toContain('data.mode');
      expect(partial?.errorMessage).toContain('record 2 (ticket.closed) unknown_type');
      expect(partial?.errorMessage).not.toContain('record 3');
      // The client's own decoder reads the same answer.
      const asClientReadsIt = ProtobufLogsSerializer.deserializeResponse(reply.bytes) as { partialSuccess?: { rejectedLogRecords?: unknown; errorMessage?: string } };
      expect(Number(asClientReadsIt.partialSuccess?.rejectedLogRecords)).toBe(2);
      expect(asClientReadsIt.partialSuccess?.errorMessage).toBe(partial?.errorMessage);

      expect(received(after, 'task.completed', 'accepted') - received(before, 'task.completed', 'accepted')).toBe(1);
      const ignored = (text: string) => metricSum(text, 'baseliner_otlp_records_ignored_total', { signal: 'logs', reason: 'no_event_name' });
      expect(ignored(after) - ignored(before)).toBe(1);
      const rejectedBy = (text: string, reason: string) => metricSum(text, 'baseliner_events_rejected_total', { reason, transport: 'otlp' });
      expect(rejectedBy(after, 'invalid_data') - rejectedBy(before, 'invalid_data')).toBe(1);
      expect(rejectedBy(after, 'unknown_type') - rejectedBy(before, 'unknown_type')).toBe(1);
      expect(await stored('otlp-partial')).toHaveLength(1);
    });

    it('JSON: the same answer as OTLP/JSON, the count as a decimal string', async () => {
      const records = await mixed();
      const before = await metrics();
      const reply = await postRaw(`${server.url}${LOGS}`, JsonLogsSerializer.serializeRequest(records) as Uint8Array, { 'content-type': JSON_TYPE, ...auth('otlp-partial') });
      const after = await metrics();

      expect(reply.status).toBe(200);
      expect(reply.headers.get('content-type')).toBe('application/json');
      const body = JSON.parse(reply.bytes.toString('utf8')) as { partialSuccess: { rejectedLogRecords: string; errorMessage: string } };
      expect(body).toEqual({ partialSuccess: { rejectedLogRecords: '2', errorMessage: expect.stringMatching(/^2 of 4 log records rejected: /) } });
      expect(body.partialSuccess.errorMessage).toContain('record 1 (task.completed) invalid_data');
      expect(body.partialSuccess.errorMessage).toContain('record 2 (ticket.closed) unknown_type');
      expect(body.partialSuccess.errorMessage).not.toContain('record 3');
      expect(received(after, 'task.completed', 'accepted') - received(before, 'task.completed', 'accepted')).toBe(1);
      const ignored = (text: string) => metricSum(text, 'baseliner_otlp_records_ignored_total', { signal: 'logs', reason: 'no_event_name' });
      expect(ignored(after) - ignored(before)).toBe(1);
      expect(await stored('otlp-partial')).toHaveLength(2);
    });

    it.each(['logs-proto', 'logs-json'] as const)('the real exporter (%s) reports a partial success as success (nothing to retry) and logs why', async (kind) => {
      const before = (await stored('otlp-partial')).length;
      const result = await runExporter({ kind, url: `${server.url}${LOGS}`, headers: auth('otlp-partial'), resource: { 'service.name': 'mixed-bot' }, logs: MIXED });
      expect({ code: result.code, error: result.error }).toEqual({ code: ExportResultCode.SUCCESS, error: undefined });
      const warning = result.warnings.find((w) => w.includes('Partial Success'));
      expect(warning).toContain('2 of 4 log records rejected');
      expect(warning).toContain('invalid_data');
      expect(warning).toContain('unknown_type');
      expect(await stored('otlp-partial')).toHaveLength(before + 1);
    });
  });

  describe('spans', () => {
    it('turns a GenAI span into ai.used with a pseudonymised actor, and a task span into task.completed; other spans are ignored, not rejected', async () => {
      const rawUser = 'genai.raw.probe.7731@example.com';
      const before = await metrics();
      const result = await runExporter({
        kind: 'traces-proto',
        url: `${server.url}${TRACES}`,
        headers: auth('otlp-genai'),
        resource: { 'service.name': 'assistant' },
        spans: [
          { name: 'chat gpt-4o-mini', attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.system': 'openai', 'user.id': rawUser } },
          { name: 'GET /healthz', attributes: { 'http.request.method': 'GET', 'url.path': '/healthz' } },
          { name: 'review document', attributes: { 'baseliner.task.id': 'span-task-1', 'baseliner.task.mode': 'assisted', 'enduser.id': rawUser }, durationMs: 12_000 },
        ],
      });
      expectSuccess(result);

      const after = await metrics();
      expect(received(after, 'ai.used', 'accepted') - received(before, 'ai.used', 'accepted')).toBe(1);
      expect(received(after, 'task.completed', 'accepted') - received(before, 'task.completed', 'accepted')).toBe(1);
      const ignored = (text: string) => metricSum(text, 'baseliner_otlp_records_ignored_total', { signal: 'traces', reason: 'not_genai' });
      expect(ignored(after) - ignored(before)).toBe(1);
      const rejected = (text: string) => metricSum(text, 'baseliner_events_rejected_total', { transport: 'otlp' });
      expect(rejected(after) - rejected(before)).toBe(0);

      const events = await stored('otlp-genai');
      const used = events.find((e) => e.type === 'ai.used');
      const task = events.find((e) => e.type === 'task.completed');
      expect(used).toMatchObject({ source: 'assistant', data: { feature: 'gpt-4o-mini', actor: expect.stringMatching(/^p_[A-Za-z0-9_-]{22}$/) } });
      expect(task).toMatchObject({ data: { taskId: 'span-task-1', mode: 'assisted', outcome: 'success', durationSeconds: 12 } });
      // One person, one pseudonym, whichever attribute named them.
      expect(task?.data.actor).toBe(used?.data.actor);
      expect(await eventually(() => tasksOnScorecard('otlp-genai'), (n) => n === 1)).toBe(1);

      // The raw id is nowhere: not in any file of the data dir (store, WAL, snapshots), not on /metrics.
      const bytes = allBytes(server.dataDir);
      expect(bytes.includes('span-task-1')).toBe(true); // the files read do hold what was stored
      expect(bytes.includes('genai.raw.probe')).toBe(false);
      expect(bytes.includes(Buffer.from('genai.raw.probe', 'utf16le'))).toBe(false);
      expect(after).not.toContain('genai.raw.probe');
    });

    it('answers a traces export with an ExportTraceServiceResponse, its partial success counting spans', async () => {
      const spans = await sdkSpans({ 'service.name': 'assistant', 'baseliner.deployment': 'otlp-elsewhere' }, [
        { name: 'chat', attributes: { 'gen_ai.operation.name': 'chat', 'user.id': 'someone' } },
      ]);
      const reply = await postRaw(`${server.url}${TRACES}`, ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array, { 'content-type': PROTOBUF, ...auth('otlp-genai') });
      expect(reply.status).toBe(200);
      const decoded = OtlpProtobuf.ExportTraceServiceResponse.toObject(OtlpProtobuf.ExportTraceServiceResponse.decode(reply.bytes), { longs: Number }) as {
        partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
      };
      expect(decoded.partialSuccess?.rejectedSpans).toBe(1);
      expect(decoded.partialSuccess?.errorMessage).toMatch(/^1 of 1 spans rejected: record 0 \(ai\.used\) forbidden/);
    });
  });

  describe('refusing a request as a whole: the status and a google.rpc.Status body, never a 5xx', () => {
    const post = (body: Uint8Array | string, headers: Record<string, string>, path = LOGS) => postRaw(`${server.url}${path}`, body, headers);
    const goodProtobuf = async () => ProtobufLogsSerializer.serializeRequest(await sdkLogRecords({ 'service.name': 'errors-bot' }, [taskLog()])) as Uint8Array;

    it('400 for a truncated protobuf body, as protobuf', async () => {
      const whole = await goodProtobuf();
      const reply = await post(whole.subarray(0, whole.length - 7), { 'content-type': PROTOBUF, ...auth('otlp-errors') });
      expect(reply.status).toBe(400);
      expect(rpcStatus(reply)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('not a protobuf-encoded ExportLogsServiceRequest') });
      const traces = await post(whole.subarray(0, whole.length - 7), { 'content-type': PROTOBUF, ...auth('otlp-errors') }, TRACES);
      expect(traces.status).toBe(400);
      expect(rpcStatus(traces).message).toContain('ExportTraceServiceRequest');
    });

    it('400 for garbage JSON and for JSON that is not an export request, as JSON', async () => {
      const garbage = await post('{"resourceLogs": [ {', { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(garbage.status).toBe(400);
      expect(rpcStatus(garbage)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('not valid JSON') });

      const array = await post('[1,2]', { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(array.status).toBe(400);
      expect(rpcStatus(array).code).toBe(RPC.INVALID_ARGUMENT);

      const wrongShape = await post('{"resourceLogs": {"scopeLogs": 3}}', { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(wrongShape.status).toBe(400);
      expect(rpcStatus(wrongShape)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('"resourceLogs" must be an array') });

      const wrongInside = await post('{"resourceLogs": [{"scopeLogs": [{"logRecords": 5}]}]}', { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(wrongInside.status).toBe(400);
      expect(rpcStatus(wrongInside)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('do not follow the OTLP/JSON shape') });
      const wrongSpans = await post('{"resourceSpans": [{"scopeSpans": [{"spans": 5}]}]}', { 'content-type': JSON_TYPE, ...auth('otlp-errors') }, TRACES);
      expect(wrongSpans.status).toBe(400);
      expect(rpcStatus(wrongSpans).message).toContain('resourceSpans');
    });

    it('400 for JSON that is not UTF-8, 415 for another charset: "zed\\xff" and "zed\\xfe" must not both become "zed\\ufffd"', async () => {
      const record = (actor: Buffer) =>
        Buffer.concat([
          Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"${Date.now()}000000","eventName":"ai.used","attributes":[{"key":"user.id","value":{"stringValue":"`),
          actor,
          Buffer.from('"}}]}]}]}]}'),
        ]);
      const notUtf8 = await post(new Uint8Array(record(Buffer.from([0x7a, 0x65, 0x64, 0xff]))), { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(notUtf8.status).toBe(400);
      expect(rpcStatus(notUtf8)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('not valid UTF-8') });
      const latin1 = await post(new Uint8Array(record(Buffer.from('zed'))), { 'content-type': `${JSON_TYPE}; charset=iso-8859-1`, ...auth('otlp-errors') });
      expect(latin1.status).toBe(415);
      expect(rpcStatus(latin1).message).toContain('charset=iso-8859-1 is not supported');
    });

    // Values of the wrong kind inside a record: that record is refused with a reason, the request is not a 5xx.
    it.each([
      ['a number', '5'],
      ['an object', '{"a": 1}'],
      ['an array', '["task.completed"]'],
      ['a boolean', 'true'],
    ])('refuses a JSON log record whose eventName is %s as invalid_envelope (partial success, not a 500)', async (_, eventName) => {
      const body = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":${eventName},"timeUnixNano":"${Date.now()}000000"}]}]}]}`;
      const reply = await post(body, { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect({ status: reply.status, body: reply.bytes.toString() }).toEqual({
        status: 200,
        body: JSON.stringify({ partialSuccess: { rejectedLogRecords: '1', errorMessage: '1 of 1 log records rejected: record 0 invalid_envelope: type expected string' } }),
      });
    });

    it('413 for an export of more events than one request may carry, saying to split it', async () => {
      const records = Array.from({ length: 1001 }, (_, i) => `{"eventName":"ai.used","timeUnixNano":"${Date.now()}000000","attributes":[{"key":"actor","value":{"stringValue":"a${i}"}}]}`);
      const reply = await post(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[${records.join(',')}]}]}]}`, { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect(reply.status).toBe(413);
      expect(rpcStatus(reply)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('the limit is 1000') });
      // Log lines without an event name do not count towards it.
      const lines = Array.from({ length: 1500 }, (_, i) => `{"timeUnixNano":"${Date.now()}000000","body":{"stringValue":"line ${i}"}}`);
      const plain = await post(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[${lines.join(',')}]}]}]}`, { 'content-type': JSON_TYPE, ...auth('otlp-errors') });
      expect({ status: plain.status, body: plain.bytes.toString() }).toEqual({ status: 200, body: '{}' });
      expect(await stored('otlp-errors')).toHaveLength(0);
    });

    it('415 for a content type OTLP/HTTP does not use, and for an unknown content encoding', async () => {
      const text = await post('hello', { 'content-type': 'text/plain', ...auth('otlp-errors') });
      expect(text.status).toBe(415);
      expect(rpcStatus(text)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('application/x-protobuf') });

      const none = await postRaw(`${server.url}${LOGS}`, await goodProtobuf(), { ...auth('otlp-errors') });
      expect(none.status).toBe(415);

      const brotli = await post(await goodProtobuf(), { 'content-type': PROTOBUF, 'content-encoding': 'br', ...auth('otlp-errors') });
      expect(brotli.status).toBe(415);
      expect(rpcStatus(brotli).message).toContain('Content-Encoding');
    });

    it('413 for a body over 1 MiB, and for gzip that inflates beyond 1 MiB', async () => {
      const big = ProtobufLogsSerializer.serializeRequest(await sdkLogRecords({ 'service.name': 'errors-bot' }, [{ body: 'x'.repeat(MIB + 1024) }])) as Uint8Array;
      expect(big.length).toBeGreaterThan(MIB);
      const tooLarge = await post(big, { 'content-type': PROTOBUF, ...auth('otlp-errors') });
      expect(tooLarge.status).toBe(413);
      expect(rpcStatus(tooLarge).code).toBe(RPC.INVALID_ARGUMENT);

      const bomb = gzipSync(big);
      expect(bomb.length).toBeLessThan(MIB / 10);
      const inflated = await post(bomb, { 'content-type': PROTOBUF, 'content-encoding': 'gzip', ...auth('otlp-errors') });
      expect(inflated.status).toBe(413);
      expect(rpcStatus(inflated)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('decompressed body is larger') });

      const jsonBomb = await post(gzipSync(`{"resourceLogs":[],"pad":"${'y'.repeat(MIB + 10)}"}`), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip', ...auth('otlp-errors') });
      expect(jsonBomb.status).toBe(413);
      expect(rpcStatus(jsonBomb).code).toBe(RPC.INVALID_ARGUMENT);
    });

    it('401 without a key, with an unknown key and with a revoked key, in the request’s encoding', async () => {
      const body = await goodProtobuf();
      const none = await post(body, { 'content-type': PROTOBUF });
      expect(none.status).toBe(401);
      expect(rpcStatus(none)).toEqual({ code: RPC.UNAUTHENTICATED, message: expect.stringContaining('Missing or unknown ingest key') });

      const unknown = await post(body, { 'content-type': PROTOBUF, authorization: `Bearer ${keys['otlp-errors']?.slice(0, -2)}zz` });
      expect(unknown.status).toBe(401);
      expect(rpcStatus(unknown)).toEqual({ code: RPC.UNAUTHENTICATED, message: expect.stringContaining('Missing or unknown ingest key') });

      const issued = (await admin.post('/v1/deployments/otlp-errors/keys')).body as { key: string; keyId: string };
      expect((await admin.delete(`/v1/deployments/otlp-errors/keys/${issued.keyId}`)).status).toBeLessThan(300);
      const json = JsonLogsSerializer.serializeRequest(await sdkLogRecords({}, [taskLog()])) as Uint8Array;
      const revoked = await post(json, { 'content-type': JSON_TYPE, authorization: `Bearer ${issued.key}` });
      expect(revoked.status).toBe(401);
      expect(rpcStatus(revoked)).toEqual({ code: RPC.UNAUTHENTICATED, message: expect.stringContaining('revoked') });

      const adminToken = await post(json, { 'content-type': JSON_TYPE, authorization: `Bearer ${server.adminToken}` });
      expect(adminToken.status).toBe(401);

      // And the exporter reports it as a failure, with the status and the message, without retrying.
      const result = await runExporter({ kind: 'logs-proto', url: `${server.url}${LOGS}`, headers: { authorization: `Bearer ${issued.key}` }, logs: [taskLog()] });
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect(result.error?.code).toBe(401);
      expect(result.elapsedMs).toBeLessThan(2_000);
      expect(await stored('otlp-errors')).toHaveLength(0);
    });

    it('takes a gzipped protobuf export', async () => {
      const reply = await post(gzipSync(await goodProtobuf()), { 'content-type': PROTOBUF, 'content-encoding': 'gzip', ...auth('otlp-errors') });
      expect(reply.status).toBe(200);
      expect(logsResponse(reply)).toBeUndefined();
      expect(await stored('otlp-errors')).toHaveLength(1);

      const json = await post(gzipSync(JsonLogsSerializer.serializeRequest(await sdkLogRecords({}, [taskLog()])) as Uint8Array), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip', ...auth('otlp-errors') });
      expect(json.status).toBe(200);
      expect(json.bytes.toString()).toBe('{}');

      const notGzip = await post(await goodProtobuf(), { 'content-type': PROTOBUF, 'content-encoding': 'gzip', ...auth('otlp-errors') });
      expect(notGzip.status).toBe(400);
      expect(rpcStatus(notGzip)).toEqual({ code: RPC.INVALID_ARGUMENT, message: expect.stringContaining('not valid gzip') });
    });
  });

  describe('deployment routing by the resource’s baseliner.deployment', () => {
    it('rejects records naming another deployment as forbidden, takes those naming the key’s own', async () => {
      const own = await sdkLogRecords({ 'service.name': 'router', 'baseliner.deployment': 'otlp-routing' }, [taskLog({ taskId: 'routed-own' })]);
      const other = await sdkLogRecords({ 'service.name': 'router', 'baseliner.deployment': 'otlp-elsewhere' }, [taskLog({ taskId: 'routed-other' })]);
      const ghost = await sdkLogRecords({ 'service.name': 'router', 'baseliner.deployment': 'ghost-deployment' }, [taskLog({ taskId: 'routed-ghost' })]);
      const reply = await postRaw(`${server.url}${LOGS}`, ProtobufLogsSerializer.serializeRequest([...own, ...other, ...ghost]) as Uint8Array, {
        'content-type': PROTOBUF,
        ...auth('otlp-routing'),
      });
      expect(reply.status).toBe(200);
      const partial = logsResponse(reply);
      expect(partial?.rejectedLogRecords).toBe(2);
      expect(partial?.errorMessage).toMatch(/^2 of 3 log records rejected: /);
      expect(partial?.errorMessage).toContain('record 1 (task.completed) forbidden');
      expect(partial?.errorMessage).toContain('record 2 (task.completed) unknown_deployment');

      expect((await stored('otlp-routing')).map((e) => e.data.taskId)).toEqual(['routed-own']);
      expect(await stored('otlp-elsewhere')).toHaveLength(0);
    });
  });
});

describe('OTLP/HTTP intake: rate limit and shedding answer 429/503 with Retry-After', () => {
  it('429 with Retry-After beyond the key’s rate', async () => {
    const server = await startTestServer({ config: { ingestRateLimit: 1 } });
    try {
      const key = await deploymentWithKey(server.url, server.adminToken, 'otlp-rate');
      const body = ProtobufLogsSerializer.serializeRequest(await sdkLogRecords({}, [{ body: 'a plain line' }])) as Uint8Array;
      const replies: RawReply[] = [];
      for (let i = 0; i < 4; i += 1) replies.push(await postRaw(`${server.url}${LOGS}`, body, { 'content-type': PROTOBUF, authorization: `Bearer ${key}` }));
      expect(replies.map((r) => r.status)).toEqual([200, 200, 429, 429]);
      const limited = replies[2] as RawReply;
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(rpcStatus(limited)).toEqual({ code: RPC.RESOURCE_EXHAUSTED, message: expect.stringContaining('Too many requests for this key') });

      const json = await postRaw(`${server.url}${LOGS}`, '{}', { 'content-type': JSON_TYPE, authorization: `Bearer ${key}` });
      expect(json.status).toBe(429);
      expect(json.headers.get('retry-after')).toBeTruthy();
      expect(rpcStatus(json).code).toBe(RPC.RESOURCE_EXHAUSTED);

      // A real exporter, refused for the rate, waits the Retry-After and gets its records in.
      const result = await runExporter({ kind: 'logs-proto', url: `${server.url}${LOGS}`, headers: { authorization: `Bearer ${key}` }, logs: [taskLog({ taskId: 'after-429' })] }, async () => {
        // The key's budget spent right before the exporter sends (it may be spent already: the
        // posts above leave it empty unless a second has passed since).
        while ((await postRaw(`${server.url}${LOGS}`, body, { 'content-type': PROTOBUF, authorization: `Bearer ${key}` })).status !== 429);
      });
      expectSuccess(result);
      expect(result.elapsedMs).toBeGreaterThanOrEqual(500);
      const events = await server.app.get<EventStore>(EVENT_STORE).readStream('telemetry-otlp-rate');
      expect(events.map((e) => (e.data as { data: { taskId: string } }).data.taskId)).toEqual(['after-429']);
    } finally {
      await server.dispose();
    }
  });

  it('503 with Retry-After beyond BASELINER_INTAKE_MAX_IN_FLIGHT, while another export is still arriving', async () => {
    const server = await startTestServer({ config: { intakeMaxInFlight: 1, ingestRateLimit: 0 } });
    try {
      const key = await deploymentWithKey(server.url, server.adminToken, 'otlp-shed');
      const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(await sdkLogRecords({}, [taskLog()])) as Uint8Array);
      const { port, hostname } = new URL(server.url);
      const probe = () => postRaw(`${server.url}${LOGS}`, body, { 'content-type': PROTOBUF, authorization: `Bearer ${key}` });
      /** An export whose body is still on its way: once admitted, it holds the only slot until it is answered. */
      const slowExport = () => {
        let status: number | undefined;
        const request = httpRequest({ host: hostname, port, method: 'POST', path: LOGS, headers: { 'content-type': PROTOBUF, 'content-length': body.length, authorization: `Bearer ${key}` } });
        const answered = new Promise<number>((resolve) =>
          request.on('response', (res) => {
            status = res.statusCode ?? 0;
            res.resume();
            res.on('end', () => resolve(status as number));
          }),
        );
        request.on('error', () => undefined);
        const sent = new Promise<void>((resolve) => request.write(body.subarray(0, 8), () => resolve()));
        return { request, answered, sent, pending: () => status === undefined };
      };

      // A probe sent while the slow export holds the slot is shed. (Should a probe get in first, the
      // slow export is the one shed: then try again.)
      let shed: RawReply | undefined;
      let slow: ReturnType<typeof slowExport> | undefined;
      for (let attempt = 0; attempt < 20 && !shed; attempt += 1) {
        slow = slowExport();
        await slow.sent;
        await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        const reply = await probe();
        expect([200, 503]).toContain(reply.status);
        if (reply.status === 503 && slow.pending()) shed = reply;
        else if (slow.pending()) slow.request.destroy();
      }
      expect(shed?.status).toBe(503);
      expect(shed?.headers.get('retry-after')).toBe('1');
      expect(rpcStatus(shed as RawReply)).toEqual({ code: RPC.UNAVAILABLE, message: expect.stringContaining('at capacity') });

      // The slow export, once its body is in, is taken; and the slot is free again.
      slow?.request.end(body.subarray(8));
      expect(await slow?.answered).toBe(200);
      expect((await probe()).status).toBe(200);
    } finally {
      await server.dispose();
    }
  });
});

describe('OTLP/HTTP on the intake app alone', () => {
  it('serves /otlp/v1/logs: the exporter’s records are stored', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'baseliner-otlp-intake-'));
    const adminToken = 'otlp-intake-admin-token-0123456789abcdef';
    const app = startAppProcess('intake', dataDir, { BASELINER_ADMIN_TOKEN: adminToken });
    try {
      const url = await app.url;
      const admin = client(url, adminToken);
      expect((await admin.post('/v1/deployments', validRegistration('otlp-intake-app'))).status).toBe(201);
      const key = (await admin.post('/v1/deployments/otlp-intake-app/keys')).body.key as string;

      const before = await (await fetch(`${url}/metrics`)).text();
      const result = await runExporter({ kind: 'logs-proto', url: `${url}${LOGS}`, headers: { authorization: `Bearer ${key}` }, resource: { 'service.name': 'intake-app-bot' }, logs: [taskLog(), { body: 'a plain line' }] });
      expectSuccess(result);
      const after = await (await fetch(`${url}/metrics`)).text();
      expect(metricSum(after, 'baseliner_events_received_total', { type: 'task.completed', result: 'accepted' }) - metricSum(before, 'baseliner_events_received_total', { type: 'task.completed', result: 'accepted' })).toBe(1);
      expect(metricSum(after, 'baseliner_otlp_records_ignored_total', { signal: 'logs', reason: 'no_event_name' })).toBe(1);

      const unauthenticated = await postRaw(`${url}${LOGS}`, '{}', { 'content-type': JSON_TYPE });
      expect(unauthenticated.status).toBe(401);
      expect(rpcStatus(unauthenticated).code).toBe(RPC.UNAUTHENTICATED);
    } finally {
      app.child.kill('SIGTERM');
      await exited(app.child);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
