import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isRfc3339 } from '@baseliner/contracts';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { ProjectorService } from '@baseliner/projector';
import { runCli as cli } from '../support/cli';
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

  it('a holdout segment makes the comparison difference-in-differences; the CLI goes live per segment and shows the design', async () => {
    expect((await admin.post('/v1/deployments', { ...validRegistration('holdout'), timezone: 'UTC' })).status).toBe(201);
    const key = (await admin.post('/v1/deployments/holdout/keys')).body.key as string;
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    const goLive = new Date(today - 35 * day).toISOString();

    const segmented = await cli(server, ['deployments', 'go-live', 'holdout', '--segments', ' north ', '--at', goLive]);
    expect(segmented.code).toBe(0);
    expect(JSON.parse(segmented.stdout)).toMatchObject({ phase: 'live', waves: [{ at: goLive, segments: ['north'] }] });
    expect(await cli(server, ['deployments', 'go-live', 'holdout', '--segments', 'a,,b'])).toMatchObject({ code: 1, stderr: expect.stringMatching(/comma-separated/) });

    // 62 days, two segments, four tasks each a day: north goes live 35 days ago and gets faster, south is the holdout.
    const events = [];
    for (let d = 1; d <= 62; d += 1) {
      for (const segment of ['north', 'south']) {
        for (let t = 0; t < 4; t += 1) {
          const time = today - d * day + (9 + t) * 3_600_000;
          const live = segment === 'north' && time >= Date.parse(goLive);
          events.push(
            taskCompleted('holdout', { time: new Date(time).toISOString() }, { segment, mode: live ? 'ai' : 'manual', durationSeconds: (live ? 60 : 100) + t * 5 + (d % 3) }),
          );
        }
      }
    }
    const sender = client(server.url, key);
    for (let i = 0; i < events.length; i += 200) {
      const sent = await sender.post('/v1/events', events.slice(i, i + 200), { 'content-type': 'application/cloudevents-batch+json' });
      expect(sent.body.rejected).toEqual([]);
    }

    const card = (await admin.get('/v1/deployments/holdout/scorecard')).body;
    expect(card.comparison).toMatchObject({ design: 'difference_in_differences', liveSegments: ['north'], comparisonSegments: ['south'] });
    expect(card.comparison.pairedDays).toBeGreaterThanOrEqual(7);

    // The served scorecard and deployment (with its waves) match the OpenAPI document's schemas.
    const document = (await client(server.url).get('/openapi.json')).body as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('date-time', isRfc3339);
    ajv.addSchema({ ...document, $id: 'https://baseliner.invalid/openapi.json' });
    const valid = (name: string, body: unknown) => {
      const validate = ajv.compile({ $ref: `https://baseliner.invalid/openapi.json#/components/schemas/${name}` });
      return { valid: validate(body), errors: validate.errors ?? null };
    };
    expect(valid('Scorecard', card)).toEqual({ valid: true, errors: null });
    expect(valid('DeploymentDetail', (await admin.get('/v1/deployments/holdout')).body)).toEqual({ valid: true, errors: null });

    // The design as an enum gauge: both values exported, 1 for the current one.
    await server.app.get(ProjectorService).catchUp();
    await server.app.get(ProjectorService).evaluate();
    const metrics = (await client(server.url).get('/metrics')).body as string;
    expect(metrics).toContain('baseliner_comparison_design{deployment="holdout",design="difference_in_differences"} 1');
    expect(metrics).toContain('baseliner_comparison_design{deployment="holdout",design="before_after"} 0');
    expect(metrics).toContain('baseliner_comparison_design{deployment="all-at-once",design="before_after"} 1');

    const text = await cli(server, ['scorecard', 'holdout']);
    expect(text.stdout).toMatch(/^comparison: difference-in-differences, live north vs not yet live south on \d+ paired days/m);
    expect(text.stdout).toMatch(/^ {2}assumes .*parallel trends/m);
    expect(text.stdout).toMatch(/^ {2}the comparison itself changed by task_duration_p50 [+-]?\d/m);
    // Piped, the table fits 120 columns: the design goes in its column if there is room, else in a line under the table.
    const status = await cli(server, ['status']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/holdout.*DiD vs 1 segment/);
    expect(status.stdout.split('\n').filter((line) => [...line].length > 120)).toEqual([]);
    const json = JSON.parse((await cli(server, ['status', '--json'])).stdout) as { id: string; design: string }[];
    expect(json.find((row) => row.id === 'holdout')?.design).toBe('DiD vs 1 segment');
    expect(json.find((row) => row.id === 'all-at-once')?.design).toBe('before/after');
  }, 120_000);
});
