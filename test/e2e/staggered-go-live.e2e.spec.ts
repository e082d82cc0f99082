import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { client, startTestServer, taskCompleted, validRegistration, type TestServer } from '../support/test-server';

// Contract §2 "Comparison (v3)": go-live per segment over HTTP, in waves; the deployment shows
// its waves, the scorecard names its comparison design, the OpenAPI document shows the body.

describe('go live per segment (staggered go-live) over HTTP', () => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = client(server.url, server.adminToken);
  });
  afterAll(async () => server.dispose());

  it('takes a wave of segments, then a later wave; refuses a segment twice, a wave before the first, a whole go-live after a wave', async () => {
    expect((await admin.post('/v1/deployments', { ...validRegistration('claims-triage'), timezone: 'Europe/Berlin' })).status).toBe(201);

    const first = await admin.post('/v1/deployments/claims-triage/go-live', { at: '2026-10-05T08:00:00+02:00', segments: ['north'] });
    expect(first).toMatchObject({
      status: 200,
      body: { phase: 'live', wentLiveAt: '2026-10-05T06:00:00.000Z', waves: [{ at: '2026-10-05T06:00:00.000Z', segments: ['north'] }] },
    });

    const again = await admin.post('/v1/deployments/claims-triage/go-live', { at: '2026-10-19T08:00:00+02:00', segments: ['north'] });
    expect(again).toMatchObject({ status: 409, body: { error: 'conflict', message: expect.stringMatching(/north already went live/) } });

    const early = await admin.post('/v1/deployments/claims-triage/go-live', { at: '2026-10-01T08:00:00+02:00', segments: ['south'] });
    expect(early).toMatchObject({ status: 422, body: { details: [{ field: 'at', message: expect.stringMatching(/before the first wave/) }] } });

    const whole = await admin.post('/v1/deployments/claims-triage/go-live', {});
    expect(whole).toMatchObject({ status: 409, body: { message: expect.stringMatching(/name the segments of the next wave/) } });

    const second = await admin.post('/v1/deployments/claims-triage/go-live', { at: '2026-10-19T08:00:00+02:00', segments: ['south'] });
    expect(second.status).toBe(200);
    expect(second.body.wentLiveAt).toBe('2026-10-05T06:00:00.000Z');
    expect(second.body.waves).toEqual([
      { at: '2026-10-05T06:00:00.000Z', segments: ['north'] },
      { at: '2026-10-19T06:00:00.000Z', segments: ['south'] },
    ]);
    expect((await admin.get('/v1/deployments/claims-triage')).body.waves).toHaveLength(2);

    const stream = await server.app.get<EventStore>(EVENT_STORE).readStream('deployment-claims-triage');
    expect(stream.filter((e) => e.type === 'WentLive').map((e) => (e.data as { segments?: string[] }).segments)).toEqual([['north'], ['south']]);
  });

  it('validates the segments: 1–50 unique non-blank names', async () => {
    expect((await admin.post('/v1/deployments', validRegistration('segments-checked'))).status).toBe(201);
    const goLive = (segments: unknown) => admin.post('/v1/deployments/segments-checked/go-live', { segments });
    for (const segments of [[], ['a', 'a'], [' '], Array.from({ length: 51 }, (_, i) => `s${i}`), 'north']) {
      const answer = await goLive(segments);
      expect(answer).toMatchObject({ status: 422, body: { error: 'validation_failed', details: [expect.objectContaining({ field: expect.stringMatching(/^segments/) })] } });
    }
    expect((await admin.get('/v1/deployments/segments-checked')).body.phase).toBe('registered');
  });

  it('a whole go-live shows no waves, and a later segmented call is refused', async () => {
    expect((await admin.post('/v1/deployments', validRegistration('all-at-once'))).status).toBe(201);
    const live = await admin.post('/v1/deployments/all-at-once/go-live', { at: '2026-10-05T08:00:00Z' });
    expect(live.status).toBe(200);
    expect(live.body.waves).toBeUndefined();
    expect((await admin.post('/v1/deployments/all-at-once/go-live', { segments: ['north'] })).status).toBe(409);
  });

  it('the scorecard names its comparison design, with segments on the tasks', async () => {
    expect((await admin.post('/v1/deployments', validRegistration('segment-tasks'))).status).toBe(201);
    const key = (await admin.post('/v1/deployments/segment-tasks/keys')).body.key as string;
    const day = 86_400_000;
    expect((await admin.post('/v1/deployments/segment-tasks/go-live', { at: new Date(Date.now() - 20 * day).toISOString(), segments: ['north'] })).status).toBe(200);
    const events = ['north', 'south'].flatMap((segment) =>
      Array.from({ length: 5 }, (_, i) => taskCompleted('segment-tasks', { time: new Date(Date.now() - (i + 1) * day).toISOString() }, { segment })),
    );
    const sent = await client(server.url, key).post('/v1/events', events, { 'content-type': 'application/cloudevents-batch+json' });
    expect(sent.body).toMatchObject({ accepted: 10, rejected: [] });

    const card = await admin.get('/v1/deployments/segment-tasks/scorecard');
    expect(card.status).toBe(200);
    expect(card.body.comparison).toEqual(
      expect.objectContaining({
        design: expect.stringMatching(/^(difference_in_differences|before_after)$/),
        liveSegments: expect.any(Array),
        comparisonSegments: expect.any(Array),
        assumes: expect.any(String),
      }),
    );
  });

  it('the OpenAPI document shows segments on the go-live body and waves on the deployment', async () => {
    const document = (await client(server.url).get('/openapi.json')).body;
    expect(document.components.schemas.GoLiveBody.properties.segments).toMatchObject({ type: 'array', maxItems: 50, uniqueItems: true });
    expect(document.components.schemas.DeploymentDetail.properties.waves).toMatchObject({ type: 'array' });
    expect(document.components.schemas.Scorecard.properties.comparison.properties.design).toBeDefined();
  });
});
