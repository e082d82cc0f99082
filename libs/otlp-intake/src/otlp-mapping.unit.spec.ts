import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { LogRecord } from '@opentelemetry/api-logs';
import { mapLogs, mapSpans, type MappedExport, type MappingContext, type OtlpLogsRequest, type OtlpTracesRequest } from './otlp-mapping';
import { logsBothWays, sdkLogRecords, sdkSpans, spanContext, spansBothWays, type SpanSpec } from './testing/otel-sdk';

/**
 * Every export here is made by the OpenTelemetry JS SDK and serialized by its OTLP transformer,
 * once as protobuf (decoded by the receiver's descriptor) and once as OTLP/JSON; both must map to
 * the same events. The expected values are worked out by hand from the OTLP spec and the
 * contract (docs: contract §1 and §5), e.g. 1767225600 s since the epoch is 2026-01-01T00:00:00Z.
 */

const CONTEXT: MappingContext = { keyDeploymentId: 'key-dep', idKey: 'id-key-0123456789abcdef' };

const TRACE_A = '0af7651916cd43dd8448eb211c80319c';
const TRACE_B = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_A = 'b7ad6b7169203331';
const SPAN_B = '00f067aa0ba902b7';

/** 2026-01-01T00:00:00Z as [seconds, nanoseconds]. */
const NEW_YEAR = 1767225600;

async function mappedLogs(resource: Attributes, records: LogRecord[], context: MappingContext = CONTEXT): Promise<MappedExport> {
  const both = logsBothWays(await sdkLogRecords(resource, records));
  const fromProtobuf = mapLogs(both.protobuf, context);
  expect(mapLogs(both.json, context)).toEqual(fromProtobuf);
  return fromProtobuf;
}

async function mappedSpans(resource: Attributes, specs: SpanSpec[], context: MappingContext = CONTEXT): Promise<MappedExport> {
  const both = spansBothWays(await sdkSpans(resource, specs));
  const fromProtobuf = mapSpans(both.protobuf, context);
  expect(mapSpans(both.json, context)).toEqual(fromProtobuf);
  return fromProtobuf;
}

const TASK = { taskId: 'T-1', mode: 'ai', outcome: 'success', durationSeconds: 12.5 };

describe('mapLogs: log records as events', () => {
  it('takes the event type from the LogRecord eventName field, and the contract fields from the attributes', async () => {
    const mapped = await mappedLogs({ 'service.name': 'checkout' }, [
      {
        eventName: 'task.completed',
        timestamp: [NEW_YEAR, 123456789],
        attributes: { taskId: 'T-1', mode: 'assisted', outcome: 'rework', durationSeconds: 12.5, costUsd: 0.42, segment: 'team-a', actor: 'alice' },
      },
    ]);
    expect(mapped.records).toBe(1);
    expect(mapped.events).toEqual([
      {
        specversion: '1.0',
        id: expect.stringMatching(/^log-[A-Za-z0-9_-]{22}$/),
        source: 'checkout',
        type: 'task.completed',
        time: '2026-01-01T00:00:00.123Z',
        deployment: 'key-dep',
        data: { taskId: 'T-1', mode: 'assisted', outcome: 'rework', durationSeconds: 12.5, costUsd: 0.42, segment: 'team-a', actor: 'alice' },
      },
    ]);
    expect(mapped.origins).toEqual([0]);
    expect(mapped.rejected).toEqual([]);
    expect(mapped.ignored.size).toBe(0);
  });

  it('takes the event type from the event.name attribute when the eventName field is not set (the attribute is not data)', async () => {
    const mapped = await mappedLogs({ 'service.name': 'checkout' }, [{ timestamp: [NEW_YEAR, 0], attributes: { 'event.name': 'feedback.given', score: 4, taskId: 'T-9' } }]);
    expect(mapped.events.map(({ type, data }) => ({ type, data }))).toEqual([{ type: 'feedback.given', data: { score: 4, taskId: 'T-9' } }]);
  });

  it('prefers the eventName field to the event.name attribute', async () => {
    const mapped = await mappedLogs({}, [{ eventName: 'ai.enabled', timestamp: [NEW_YEAR, 0], attributes: { 'event.name': 'ai.disabled', actor: 'bob' } }]);
    expect(mapped.events.map((event) => event.type)).toEqual(['ai.enabled']);
  });

  it('keeps only the fields the contract defines for the type: other attributes are dropped', async () => {
    const mapped = await mappedLogs({}, [
      {
        eventName: 'ai.used',
        timestamp: [NEW_YEAR, 0],
        attributes: { actor: 'alice', feature: 'summarise', 'http.route': '/api/summarise', prompt: 'secret text', taskId: 'T-1', 'user.id': 'someone-else' },
      },
      {
        eventName: 'escalation.raised',
        timestamp: [NEW_YEAR, 0],
        // escalation.raised has no actor field: user.id is not added either
        attributes: { taskId: 'T-2', to: 'builder', 'user.id': 'carol', reason: 'stuck' },
      },
    ]);
    expect(mapped.events.map((event) => event.data)).toEqual([
      { actor: 'alice', feature: 'summarise' },
      { taskId: 'T-2', to: 'builder' },
    ]);
  });

  it('reads the fields from a key-value body too; an attribute wins over the body, a body that is not a key-value list is not read', async () => {
    const mapped = await mappedLogs({}, [
      {
        eventName: 'task.completed',
        timestamp: [NEW_YEAR, 0],
        body: { taskId: 'body-task', mode: 'manual', outcome: 'success', durationSeconds: 30, note: 'dropped' },
        attributes: { taskId: 'attr-task', outcome: 'rework' },
      },
      { eventName: 'feedback.given', timestamp: [NEW_YEAR, 0], body: 'score: 5', attributes: { score: 2 } },
    ]);
    expect(mapped.events.map((event) => event.data)).toEqual([
      { taskId: 'attr-task', mode: 'manual', outcome: 'rework', durationSeconds: 30 },
      { score: 2 },
    ]);
  });

  it('takes the actor from the actor field, else user.id, else enduser.id, else the resource’s user.id', async () => {
    const resource = { 'service.name': 'svc', 'user.id': 'resource-user' };
    const mapped = await mappedLogs(resource, [
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'explicit', 'user.id': 'u', 'enduser.id': 'e' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { 'user.id': 'u', 'enduser.id': 'e' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { 'enduser.id': 'e' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0] },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], body: { actor: 'from-body' }, attributes: { 'user.id': 'u' } },
    ]);
    expect(mapped.events.map((event) => event.data.actor)).toEqual(['explicit', 'u', 'e', 'resource-user', 'from-body']);
  });

  it('falls back to the resource’s enduser.id, and leaves the actor out when there is none (the intake then refuses it)', async () => {
    const withEnduser = await mappedLogs({ 'enduser.id': 'resource-enduser' }, [{ eventName: 'ai.disabled', timestamp: [NEW_YEAR, 0], attributes: { scope: 'team' } }]);
    expect(withEnduser.events[0]!.data).toEqual({ actor: 'resource-enduser', scope: 'team' });
    const without = await mappedLogs({}, [{ eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { feature: 'f' } }]);
    expect(without.events[0]!.data).toEqual({ feature: 'f' });
  });

  it('takes the time from timeUnixNano, truncated to the millisecond', async () => {
    const mapped = await mappedLogs({}, [
      { eventName: 'ai.used', timestamp: Date.UTC(2026, 2, 3, 4, 5, 6, 789), attributes: { actor: 'a' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 1], attributes: { actor: 'a' } },
      // 999,999,999 ns is still the first second: not rounded up to the next one
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 999_999_999], attributes: { actor: 'a' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR + 86_399, 999_500_000], observedTimestamp: [NEW_YEAR + 90_000, 0], attributes: { actor: 'a' } },
    ]);
    expect(mapped.events.map((event) => event.time)).toEqual([
      '2026-03-03T04:05:06.789Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:00:00.999Z',
      '2026-01-01T23:59:59.999Z',
    ]);
  });

  it('takes the observed time when timeUnixNano is 0, and rejects a record with neither (invalid_envelope)', async () => {
    const mapped = await mappedLogs({}, [
      { eventName: 'ai.used', timestamp: [0, 0], observedTimestamp: [NEW_YEAR + 100, 500_000_000], attributes: { actor: 'a' } },
      { eventName: 'ai.used', timestamp: [0, 0], observedTimestamp: [0, 0], attributes: { actor: 'b' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'c' } },
    ]);
    expect(mapped.records).toBe(3);
    expect(mapped.events.map((event) => [event.time, event.data.actor])).toEqual([
      ['2026-01-01T00:01:40.500Z', 'a'],
      ['2026-01-01T00:00:00.000Z', 'c'],
    ]);
    expect(mapped.origins).toEqual([0, 2]);
    expect(mapped.rejected).toEqual([{ record: 1, reason: 'invalid_envelope', message: expect.stringContaining('timeUnixNano') }]);
  });

  it('reads absent (unset) time fields as OTLP/JSON leaves them out, the same as 0', () => {
    const request: OtlpLogsRequest = {
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { eventName: 'ai.used', observedTimeUnixNano: '1767225600250000000', attributes: [{ key: 'actor', value: { stringValue: 'a' } }] },
                { eventName: 'ai.used', timeUnixNano: '0', attributes: [{ key: 'actor', value: { stringValue: 'b' } }] },
              ],
            },
          ],
        },
      ],
    };
    const mapped = mapLogs(request, CONTEXT);
    expect(mapped.events.map((event) => event.time)).toEqual(['2026-01-01T00:00:00.250Z']);
    expect(mapped.rejected).toEqual([{ record: 1, reason: 'invalid_envelope', message: expect.any(String) }]);
  });

  it('ignores records without an event name (no_event_name): they are ordinary log lines', async () => {
    const mapped = await mappedLogs({}, [
      { timestamp: [NEW_YEAR, 0], body: 'GET /orders 200', attributes: { 'http.response.status_code': 200, 'user.id': 'u' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'a' } },
      { timestamp: [NEW_YEAR, 0], body: { taskId: 'T-1' }, attributes: { 'event.name': '' } },
    ]);
    expect(mapped.records).toBe(3);
    expect(mapped.events.map((event) => event.type)).toEqual(['ai.used']);
    expect(mapped.origins).toEqual([1]);
    expect(mapped.ignored).toEqual(new Map([['no_event_name', 2]]));
    expect(mapped.rejected).toEqual([]);
  });

  it('passes an unknown event name through, with empty data, for the intake to reject (unknown_type)', async () => {
    const mapped = await mappedLogs({ 'service.name': 'shop' }, [
      { eventName: 'order.placed', timestamp: [NEW_YEAR, 0], attributes: { orderId: 'o-1', actor: 'alice', taskId: 'T-1' } },
    ]);
    expect(mapped.events).toEqual([
      { specversion: '1.0', id: expect.stringMatching(/^log-/), source: 'shop', type: 'order.placed', time: '2026-01-01T00:00:00.000Z', deployment: 'key-dep', data: {} },
    ]);
    expect(mapped.ignored.size).toBe(0);
  });

  it('sends events to the resource’s baseliner.deployment, else to the key’s; the source is service.name, else unknown_service', async () => {
    const named = await sdkLogRecords({ 'service.name': 'checkout', 'baseliner.deployment': 'doc-review' }, [
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'a' } },
      { timestamp: [NEW_YEAR, 0], body: 'plain log line' },
    ]);
    const anonymous = await sdkLogRecords({}, [
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'b' } },
      { eventName: 'ai.used', timestamp: [NEW_YEAR, 0], attributes: { actor: 'c' } },
    ]);
    // One export, two resources: records are counted across them.
    const both = logsBothWays([...named, ...anonymous]);
    const mapped = mapLogs(both.protobuf, CONTEXT);
    expect(mapLogs(both.json, CONTEXT)).toEqual(mapped);
    expect(mapped.records).toBe(4);
    expect(mapped.events.map(({ source, deployment, data }) => [source, deployment, data.actor])).toEqual([
      ['checkout', 'doc-review', 'a'],
      ['unknown_service', 'key-dep', 'b'],
      ['unknown_service', 'key-dep', 'c'],
    ]);
    expect(mapped.origins).toEqual([0, 2, 3]);
  });

  describe('event ids', () => {
    const base: LogRecord = { eventName: 'ai.disabled', timestamp: [NEW_YEAR, 5], context: spanContext(TRACE_A, SPAN_A), attributes: { actor: 'alice', scope: 'user' } };

    it('are the same for the same record, in either encoding, and on every mapping', async () => {
      const records = await sdkLogRecords({ 'service.name': 'svc' }, [base, { ...base }]);
      const both = logsBothWays(records);
      const ids = [...mapLogs(both.protobuf, CONTEXT).events, ...mapLogs(both.json, CONTEXT).events, ...mapLogs(both.protobuf, CONTEXT).events].map((event) => event.id);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(1);
      expect(ids[0]).toMatch(/^log-[A-Za-z0-9_-]{22}$/);
    });

    it('differ when the trace id, span id, time (even by a nanosecond), event name or data differ', async () => {
      const mapped = await mappedLogs({ 'service.name': 'svc' }, [
        base,
        { ...base, context: spanContext(TRACE_B, SPAN_A) },
        { ...base, context: spanContext(TRACE_A, SPAN_B) },
        { ...base, context: undefined },
        { ...base, timestamp: [NEW_YEAR, 6] },
        { ...base, eventName: 'ai.enabled' },
        { ...base, attributes: { actor: 'bob', scope: 'user' } },
        { ...base, attributes: { actor: 'alice', scope: 'team' } },
      ]);
      const ids = mapped.events.map((event) => event.id);
      expect(ids).toHaveLength(8);
      expect(new Set(ids).size).toBe(8);
      // The nanosecond apart pair is one millisecond: same time, different ids.
      expect(mapped.events[4]!.time).toBe(mapped.events[0]!.time);
    });

    it('do not change with attributes that are not data, and differ under another id key', async () => {
      const mapped = await mappedLogs({}, [base, { ...base, attributes: { actor: 'alice', scope: 'user', 'http.route': '/x' } }]);
      expect(mapped.events[1]!.id).toBe(mapped.events[0]!.id);
      const rekeyed = await mappedLogs({}, [base], { ...CONTEXT, idKey: 'another-key-0123456789' });
      expect(rekeyed.events[0]!.id).not.toBe(mapped.events[0]!.id);
      expect(rekeyed.events[0]!.id).not.toContain('alice');
    });
  });

  it('reads an int64 attribute beyond 2^53 as its exact decimal digits in both encodings', async () => {
    // 2^60 = 1152921504606846976; the OTel JSON serializer writes it as a JSON number.
    const mapped = await mappedLogs({}, [{ eventName: 'ai.overridden', timestamp: [NEW_YEAR, 0], attributes: { actor: 'a', taskId: 2 ** 60 } }]);
    expect(mapped.events[0]!.data).toEqual({ actor: 'a', taskId: '1152921504606846976' });
  });

  it('tolerates empty and null parts of a request', () => {
    expect(mapLogs({}, CONTEXT)).toEqual({ records: 0, events: [], origins: [], rejected: [], ignored: new Map() });
    const mapped = mapLogs({ resourceLogs: [{ resource: null, scopeLogs: [{}, { logRecords: [] }] }] }, CONTEXT);
    expect(mapped.records).toBe(0);
  });
});

describe('mapSpans: GenAI spans and task spans as events', () => {
  const START = [NEW_YEAR, 123_456_789] as [number, number];
  const END = [NEW_YEAR + 12, 469_135_802] as [number, number];
  const span = (overrides: Partial<SpanSpec> & { attributes?: Attributes }): SpanSpec => ({ name: 'chat gpt-4o', start: START, end: END, traceId: TRACE_A, spanId: SPAN_A, ...overrides });
  const GENAI = { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o' };

  it('ignores spans that are not GenAI (not_genai) and GenAI spans without an actor (no_actor)', async () => {
    const mapped = await mappedSpans({ 'service.name': 'assistant' }, [
      span({ name: 'GET /orders', attributes: { 'http.request.method': 'GET', 'user.id': 'alice' } }),
      span({ spanId: SPAN_B, attributes: GENAI }),
      span({ name: 'db', spanId: '1111111111111111' }),
    ]);
    expect(mapped.records).toBe(3);
    expect(mapped.events).toEqual([]);
    expect(mapped.rejected).toEqual([]);
    expect(mapped.ignored).toEqual(
      new Map([
        ['not_genai', 2],
        ['no_actor', 1],
      ]),
    );
  });

  it('makes a GenAI span with an actor an ai.used at its start, the feature from gen_ai.request.model, the id from its trace and span ids', async () => {
    const mapped = await mappedSpans({ 'service.name': 'assistant', 'baseliner.deployment': 'doc-review' }, [
      span({ name: 'GET /', spanId: SPAN_B, attributes: { 'http.request.method': 'GET' } }),
      span({ attributes: { ...GENAI, 'user.id': 'alice', 'gen_ai.usage.input_tokens': 1200 } }),
    ]);
    expect(mapped.events).toEqual([
      {
        specversion: '1.0',
        id: `span-${TRACE_A}-${SPAN_A}`,
        source: 'assistant',
        type: 'ai.used',
        time: '2026-01-01T00:00:00.123Z',
        deployment: 'doc-review',
        data: { actor: 'alice', feature: 'gpt-4o' },
      },
    ]);
    expect(mapped.origins).toEqual([1]);
    expect(mapped.ignored).toEqual(new Map([['not_genai', 1]]));
  });

  it('takes the actor from user.id, else enduser.id, on the span, else on the resource; the source defaults to unknown_service', async () => {
    const spans = (resource: Attributes) =>
      mappedSpans(resource, [
        span({ spanId: '0000000000000001', attributes: { ...GENAI, 'user.id': 'u', 'enduser.id': 'e' } }),
        span({ spanId: '0000000000000002', attributes: { ...GENAI, 'enduser.id': 'e' } }),
        span({ spanId: '0000000000000003', attributes: GENAI }),
      ]);
    const withUser = await spans({ 'user.id': 'resource-user', 'enduser.id': 'resource-enduser' });
    expect(withUser.events.map((event) => event.data.actor)).toEqual(['u', 'e', 'resource-user']);
    expect(withUser.events.map((event) => [event.source, event.deployment])).toEqual(Array(3).fill(['unknown_service', 'key-dep']));
    const withEnduser = await spans({ 'enduser.id': 'resource-enduser' });
    expect(withEnduser.events.map((event) => event.data.actor)).toEqual(['u', 'e', 'resource-enduser']);
  });

  it('takes the feature from the configured attribute instead, and leaves it out when the span has none', async () => {
    const mapped = await mappedSpans(
      {},
      [
        span({ spanId: '0000000000000001', attributes: { ...GENAI, 'user.id': 'u', 'app.feature': 'summarise' } }),
        span({ spanId: '0000000000000002', attributes: { ...GENAI, 'user.id': 'u' } }),
      ],
      { ...CONTEXT, featureAttribute: 'app.feature' },
    );
    expect(mapped.events.map((event) => event.data)).toEqual([{ actor: 'u', feature: 'summarise' }, { actor: 'u' }]);
  });

  it('makes a baseliner.task.id span a task.completed at its end: duration exact to the nanosecond, mode ai, outcome from the status', async () => {
    const mapped = await mappedSpans({ 'service.name': 'worker' }, [
      span({ name: 'triage', spanId: '0000000000000001', attributes: { 'baseliner.task.id': 'T-1' } }),
      span({ name: 'triage', spanId: '0000000000000002', attributes: { 'baseliner.task.id': 'T-2' }, status: SpanStatusCode.ERROR }),
      span({ name: 'triage', spanId: '0000000000000003', attributes: { 'baseliner.task.id': 'T-3' }, status: SpanStatusCode.OK }),
    ]);
    // end − start = 12.469135802 − 0.123456789 = 12.345679013 s
    expect(mapped.events).toEqual(
      ['success', 'error', 'success'].map((outcome, index) => ({
        specversion: '1.0',
        id: `task-T-${index + 1}`,
        source: 'worker',
        type: 'task.completed',
        time: '2026-01-01T00:00:12.469Z',
        deployment: 'key-dep',
        data: { taskId: `T-${index + 1}`, mode: 'ai', outcome, durationSeconds: 12.345679013 },
      })),
    );
    expect(mapped.ignored.size).toBe(0);
  });

  it('reads durations of a nanosecond, and of whole seconds, exactly', async () => {
    const mapped = await mappedSpans({}, [
      span({ spanId: '0000000000000001', start: [NEW_YEAR, 999_999_999], end: [NEW_YEAR + 1, 0], attributes: { 'baseliner.task.id': 'a' } }),
      span({ spanId: '0000000000000002', start: [NEW_YEAR, 0], end: [NEW_YEAR + 3_600, 0], attributes: { 'baseliner.task.id': 'b' } }),
      span({ spanId: '0000000000000003', start: [NEW_YEAR, 250_000_000], end: [NEW_YEAR, 250_000_000], attributes: { 'baseliner.task.id': 'c' } }),
    ]);
    expect(mapped.events.map((event) => [event.time, event.data.durationSeconds])).toEqual([
      ['2026-01-01T00:00:01.000Z', 1e-9],
      ['2026-01-01T01:00:00.000Z', 3600],
      ['2026-01-01T00:00:00.250Z', 0],
    ]);
  });

  it('takes mode, outcome, cost and segment from the baseliner.* attributes, and the actor when there is one', async () => {
    const mapped = await mappedSpans({ 'user.id': 'resource-user' }, [
      span({
        status: SpanStatusCode.ERROR,
        attributes: {
          'baseliner.task.id': 'T-7',
          'baseliner.task.mode': 'assisted',
          'baseliner.task.outcome': 'rework',
          'baseliner.task.cost_usd': 0.42,
          'baseliner.segment': 'team-a',
          'other.attribute': 'dropped',
        },
      }),
    ]);
    expect(mapped.events.map(({ id, type, data }) => ({ id, type, data }))).toEqual([
      {
        id: 'task-T-7',
        type: 'task.completed',
        data: { taskId: 'T-7', mode: 'assisted', outcome: 'rework', durationSeconds: 12.345679013, costUsd: 0.42, segment: 'team-a', actor: 'resource-user' },
      },
    ]);
  });

  it('makes a GenAI task span with an actor both events; a GenAI task span without an actor only the task', async () => {
    const mapped = await mappedSpans({}, [
      span({ spanId: SPAN_A, attributes: { ...GENAI, 'user.id': 'alice', 'baseliner.task.id': 'T-1' } }),
      span({ spanId: SPAN_B, attributes: { ...GENAI, 'baseliner.task.id': 'T-2' } }),
    ]);
    expect(mapped.events.map(({ id, type, time, data }) => ({ id, type, time, data }))).toEqual([
      { id: `span-${TRACE_A}-${SPAN_A}`, type: 'ai.used', time: '2026-01-01T00:00:00.123Z', data: { actor: 'alice', feature: 'gpt-4o' } },
      { id: 'task-T-1', type: 'task.completed', time: '2026-01-01T00:00:12.469Z', data: { ...TASK, taskId: 'T-1', durationSeconds: 12.345679013, actor: 'alice' } },
      { id: 'task-T-2', type: 'task.completed', time: '2026-01-01T00:00:12.469Z', data: { ...TASK, taskId: 'T-2', durationSeconds: 12.345679013 } },
    ]);
    expect(mapped.origins).toEqual([0, 0, 1]);
    expect(mapped.ignored.size).toBe(0);
  });

  it('gives the same task the same id from any span, and a task id too long for the envelope a keyed digest', async () => {
    const long = 'x'.repeat(200);
    const mapped = await mappedSpans({}, [
      span({ spanId: SPAN_A, attributes: { 'baseliner.task.id': 'T-1' } }),
      span({ traceId: TRACE_B, spanId: SPAN_B, attributes: { 'baseliner.task.id': 'T-1' } }),
      span({ spanId: '0000000000000003', attributes: { 'baseliner.task.id': long } }),
    ]);
    const ids = mapped.events.map((event) => event.id);
    expect(ids[0]).toBe('task-T-1');
    expect(ids[1]).toBe('task-T-1');
    expect(ids[2]).toMatch(/^task-[A-Za-z0-9_-]{22}$/);
    expect(mapped.events[2]!.data.taskId).toBe(long);
    const rekeyed = await mappedSpans({}, [span({ attributes: { 'baseliner.task.id': long } })], { ...CONTEXT, idKey: 'another-key-0123456789' });
    expect(rekeyed.events[0]!.id).not.toBe(ids[2]);
  });

  it('rejects a span it would map that has no trace id or span id (invalid_envelope)', async () => {
    const both = spansBothWays(
      await sdkSpans({}, [
        span({ spanId: '0000000000000001', attributes: { ...GENAI, 'user.id': 'u' } }),
        span({ spanId: '0000000000000002', attributes: { 'baseliner.task.id': 'T-1' } }),
        span({ spanId: '0000000000000003', attributes: { ...GENAI, 'user.id': 'u' } }),
        span({ spanId: '0000000000000004', name: 'plain' }),
      ]),
    );
    const spansOf = (request: OtlpTracesRequest) => request.resourceSpans![0]!.scopeSpans![0]!.spans!;
    // Protobuf: empty bytes; OTLP/JSON: absent, or all zeros (an invalid id per the trace spec).
    spansOf(both.protobuf)[0]!.traceId = Buffer.alloc(0);
    spansOf(both.protobuf)[1]!.spanId = Buffer.alloc(8);
    spansOf(both.protobuf)[3]!.traceId = Buffer.alloc(0);
    delete spansOf(both.json)[0]!.traceId;
    spansOf(both.json)[1]!.spanId = '0000000000000000';
    delete spansOf(both.json)[3]!.traceId;
    for (const request of [both.protobuf, both.json]) {
      const mapped = mapSpans(request, CONTEXT);
      expect(mapped.events.map((event) => event.id)).toEqual([`span-${TRACE_A}-0000000000000003`]);
      expect(mapped.origins).toEqual([2]);
      expect(mapped.rejected).toEqual([
        { record: 0, reason: 'invalid_envelope', message: expect.stringContaining('traceId or spanId') },
        { record: 1, reason: 'invalid_envelope', message: expect.stringContaining('traceId or spanId') },
      ]);
      // A span that is not mapped is ignored, ids or not.
      expect(mapped.ignored).toEqual(new Map([['not_genai', 1]]));
    }
  });

  it('reads the status code as OTLP/JSON may spell it (the enum name)', () => {
    const request: OtlpTracesRequest = {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE_A,
                  spanId: SPAN_A,
                  startTimeUnixNano: '1767225600000000000',
                  endTimeUnixNano: '1767225602500000000',
                  attributes: [{ key: 'baseliner.task.id', value: { stringValue: 'T-1' } }],
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(mapSpans(request, CONTEXT).events[0]!.data).toEqual({ taskId: 'T-1', mode: 'ai', outcome: 'error', durationSeconds: 2.5 });
  });
});

describe('OTLP/JSON written by hand: what a sender gets wrong', () => {
  const T = '1767225600000000000'; // 2026-01-01T00:00:00Z
  const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
  const logs = (record: Record<string, unknown>): OtlpLogsRequest => ({ resourceLogs: [{ scopeLogs: [{ logRecords: [record as never] }] }] });
  const spans = (span: Record<string, unknown>): OtlpTracesRequest => ({ resourceSpans: [{ scopeSpans: [{ spans: [span as never] }] }] });
  const genAiSpan = (attributes: unknown[]) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', startTimeUnixNano: T, endTimeUnixNano: T, attributes });

  it('rejects a record whose trace or span id is not hex of the right size (base64, as protobuf’s JSON mapping writes bytes)', () => {
    for (const traceId of ['CvdlGRbNQ92ESOshHIAxnA==', '0af7', { length: 20_000_000 }]) {
      const mapped = mapLogs(logs({ timeUnixNano: T, eventName: 'ai.used', traceId, attributes: [kv('user.id', { stringValue: 'ann' })] }), CONTEXT);
      expect(mapped.events).toEqual([]);
      expect(mapped.rejected).toEqual([{ record: 0, reason: 'invalid_envelope', message: expect.stringContaining('32 or 16 hex characters') }]);
    }
  });

  it('takes an integer user.id as the actor (its digits), on log records and spans', () => {
    const log = mapLogs(logs({ timeUnixNano: T, eventName: 'ai.used', attributes: [kv('user.id', { intValue: '9007199254740993' })] }), CONTEXT);
    expect(log.events[0]?.data).toEqual({ actor: '9007199254740993' });
    const span = mapSpans(spans(genAiSpan([kv('gen_ai.operation.name', { stringValue: 'chat' }), kv('enduser.id', { intValue: 42 })])), CONTEXT);
    expect(span.events[0]?.data).toEqual({ actor: '42' });
  });

  it('keeps a model name longer than the contract’s 64 characters by its end, and leaves an empty one out, rather than losing the use', () => {
    const arn = 'arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-20250514-v1:0';
    const long = mapSpans(spans(genAiSpan([kv('gen_ai.operation.name', { stringValue: 'chat' }), kv('user.id', { stringValue: 'ann' }), kv('gen_ai.request.model', { stringValue: arn })])), CONTEXT);
    expect(long.events[0]?.data).toEqual({ actor: 'ann', feature: arn.slice(arn.length - 64) });
    expect((long.events[0]?.data.feature as string).length).toBe(64);
    const empty = mapSpans(spans(genAiSpan([kv('gen_ai.operation.name', { stringValue: 'chat' }), kv('user.id', { stringValue: 'ann' }), kv('gen_ai.request.model', { stringValue: '' })])), CONTEXT);
    expect(empty.events[0]?.data).toEqual({ actor: 'ann' });
  });
});
