import { CommandBus } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { DefineCriteriaCommand, RetireDeploymentCommand } from '@baseliner/control';
import { client, startTestServer, validRegistration, type TestServer } from '../support/test-server';

describe('control API: /v1/deployments', () => {
  let server: TestServer;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer();
    admin = client(server.url, server.adminToken);
  });
  afterAll(async () => server.dispose());

  it('needs the admin token', async () => {
    expect((await client(server.url).get('/v1/deployments')).status).toBe(401);
    expect((await client(server.url, 'wrong-token').get('/v1/deployments')).body).toMatchObject({ error: 'unauthorized' });
  });

  it('walks a deployment through its lifecycle, each change an event on its stream', async () => {
    const registered = await admin.post('/v1/deployments', {
      id: 'doc-review',
      name: 'Document review assistant',
      owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
      workflow: 'contract review',
      timezone: 'Europe/Berlin',
      eligibleUsers: 40,
    });
    expect(registered).toMatchObject({ status: 201, body: { id: 'doc-review', phase: 'registered', rampUpDays: 7, timezone: 'Europe/Berlin' } });

    const refusedGoLive = await admin.post('/v1/deployments/doc-review/go-live');
    expect(refusedGoLive).toMatchObject({ status: 409, body: { error: 'conflict', message: expect.stringMatching(/no success criteria/) } });

    const criteria = [
      { metric: 'task_duration_p50', relativeChange: -0.3 },
      { metric: 'error_ratio', relativeChange: 0 },
      { metric: 'adoption_ratio', atLeast: 0.6 },
    ];
    const defined = await admin.put('/v1/deployments/doc-review/criteria', { criteria });
    expect(defined.body.criteria).toEqual(criteria);
    // "No worse" is judged like any target: the answer says what it takes and suggests a margin.
    expect(defined.body.criteriaAdvice).toEqual([
      { field: 'criteria[1].relativeChange', message: expect.stringMatching(/met only once error_ratio is clearly lower.*relativeChange 0\.05/) },
    ]);
    expect((await admin.put('/v1/deployments/doc-review/baseline', { from: '2026-09-01T00:00:00Z', to: '2026-10-01T00:00:00Z' })).body.baselineWindow).toEqual({
      from: '2026-09-01T00:00:00.000Z',
      to: '2026-10-01T00:00:00.000Z',
    });
    const live = await admin.post('/v1/deployments/doc-review/go-live', { at: '2026-10-01T08:00:00+02:00' });
    expect(live).toMatchObject({ status: 200, body: { phase: 'live', wentLiveAt: '2026-10-01T06:00:00.000Z' } });
    expect((await admin.post('/v1/deployments/doc-review/go-live')).status).toBe(409);

    const noReason = await admin.put('/v1/deployments/doc-review/criteria', { criteria: criteria.slice(0, 2) });
    expect(noReason).toMatchObject({ status: 422, body: { details: [{ field: 'reason' }] } });
    const revised = await admin.put('/v1/deployments/doc-review/criteria', { criteria: criteria.slice(0, 2), reason: 'Adoption is tracked elsewhere' });
    expect(revised.body.criteriaRevisions).toEqual([expect.objectContaining({ reason: 'Adoption is tracked elsewhere' })]);

    const rolledBack = await admin.post('/v1/deployments/doc-review/rollback', { reason: 'Reviewers missed clauses' });
    expect(rolledBack.body).toMatchObject({ phase: 'rolled_back', rolledBack: { reason: 'Reviewers missed clauses' } });
    const retired = await admin.post('/v1/deployments/doc-review/retire', { reason: 'Did not beat manual review', outcome: 'killed' });
    expect(retired.body).toMatchObject({ phase: 'retired', retired: { outcome: 'killed' } });
    expect((await admin.post('/v1/deployments/doc-review/keys')).status).toBe(409);

    expect((await admin.get('/v1/deployments')).body).toContainEqual({
      id: 'doc-review',
      name: 'Document review assistant',
      owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
      workflow: 'contract review',
      phase: 'retired',
    });
    const stream = await server.app.get<EventStore>(EVENT_STORE).readStream('deployment-doc-review');
    expect(stream.map((e) => e.type)).toEqual([
      'DeploymentRegistered',
      'CriteriaDefined',
      'BaselineWindowSet',
      'WentLive',
      'CriteriaRevised',
      'RolledBack',
      'Retired',
    ]);
  });

  it('refuses a second deployment with the same id (409) and a team as owner (422)', async () => {
    expect((await admin.post('/v1/deployments', validRegistration('triage'))).status).toBe(201);
    expect(await admin.post('/v1/deployments', validRegistration('triage'))).toMatchObject({ status: 409, body: { error: 'conflict' } });
    const team = await admin.post('/v1/deployments', { ...validRegistration('triage-2'), owner: { name: 'everyone', email: 'ops@example.com' } });
    expect(team).toMatchObject({
      status: 422,
      body: { error: 'validation_failed', message: expect.stringMatching(/name one accountable person/), details: [{ field: 'owner.name' }] },
    });
  });

  it('reports every schema violation with its field (422)', async () => {
    const reply = await admin.post('/v1/deployments', {
      id: 'Not A Slug',
      name: '',
      owner: { name: 'Dana Reyes', email: 'not-an-email' },
      rampUpDays: -1,
      criteria: [{ metric: 'happiness', atLeast: 1 }],
      colour: 'blue',
    });
    expect(reply.status).toBe(422);
    const fields = reply.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['id', 'name', 'owner.email', 'rampUpDays', 'criteria[0].metric', 'colour']));
  });

  it('answers 404 for an unknown deployment, 422 for criteria broken by rule, 400 for broken JSON', async () => {
    expect((await admin.post('/v1/deployments/ghost/go-live')).status).toBe(404);
    expect((await admin.get('/v1/deployments/ghost')).status).toBe(404);
    await admin.post('/v1/deployments', validRegistration('rules'));
    const twoTargets = await admin.put('/v1/deployments/rules/criteria', { criteria: [{ metric: 'error_ratio', atMost: 0.1, atLeast: 0 }] });
    expect(twoTargets).toMatchObject({ status: 422, body: { details: [{ field: 'criteria[0]' }] } });
    const broken = await client(server.url, server.adminToken).post('/v1/deployments', '{"id":', { 'content-type': 'application/json' });
    expect(broken).toMatchObject({ status: 400, body: { error: 'invalid_json' } });
  });

  it("answers a malformed URL and an over-long path segment with the API's error body, not the framework's", async () => {
    const badUrl = await admin.get('/v1/deployments/%zz');
    expect(badUrl).toMatchObject({ status: 400, body: { error: 'invalid_url', message: expect.stringContaining('%25') } });
    expect(badUrl.body).not.toHaveProperty('code');
    const long = await admin.get(`/v1/deployments/${'a'.repeat(150)}`);
    expect(long).toMatchObject({ status: 414, body: { error: 'uri_too_long', message: expect.stringContaining('63') } });
    expect(long.body).not.toHaveProperty('statusCode');
  });

  it('decides a command that lost a race again on the new history: no lost update, and no 409 while it is still valid', async () => {
    await admin.post('/v1/deployments', validRegistration('racing'));
    const commands = server.app.get(CommandBus);
    const define = (metric: string) =>
      commands.execute(new DefineCriteriaCommand('racing', { criteria: [{ metric: metric as 'error_ratio', atMost: 0.1 }] }));
    const outcomes = await Promise.allSettled([define('error_ratio'), define('escalation_ratio')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    // Both definitions are in the log, one after the other: neither overwrote the other unseen.
    const store = server.app.get<symbol, EventStore>(EVENT_STORE);
    // The registration defined the first criteria; the two racing definitions follow it.
    const defined = (await store.readStream('deployment-racing')).filter((e) => e.type === 'CriteriaDefined').slice(1);
    expect(defined.map((e) => (e.data as { criteria: { metric: string }[] }).criteria[0]?.metric).sort()).toEqual(['error_ratio', 'escalation_ratio']);
    expect(defined.map((e) => e.revision)).toEqual([2, 3]);
  });

  it('answers the loser of a race with the domain reason once its command is no longer valid', async () => {
    await admin.post('/v1/deployments', validRegistration('racing-retire'));
    const commands = server.app.get(CommandBus);
    const retire = () => commands.execute(new RetireDeploymentCommand('racing-retire', { reason: 'done', outcome: 'superseded' }));
    const outcomes = await Promise.allSettled([retire(), retire()]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict', message: expect.stringContaining('is retired') });
  });

  it('keeps the registry across a restart: state is rebuilt from the log', async () => {
    const dataDir = server.dataDir;
    await admin.post('/v1/deployments', validRegistration('durable'));
    const key = await admin.post('/v1/deployments/durable/keys');
    await server.close();
    server = await startTestServer({ dataDir });
    admin = client(server.url, server.adminToken);
    expect((await admin.get('/v1/deployments/durable')).body).toMatchObject({ phase: 'registered', keys: [{ keyId: key.body.keyId }] });
    const event = { specversion: '1.0', id: 'x1', source: 's', type: 'ai.used', time: new Date().toISOString(), deployment: 'durable', data: { actor: 'a' } };
    expect((await client(server.url, key.body.key).post('/v1/events', [event])).status).toBe(202);
  });

  it('serves the OpenAPI document built from the same schemas', async () => {
    const reply = await client(server.url).get('/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.body.openapi).toBe('3.1.0');
    expect(Object.keys(reply.body.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/deployments', '/v1/deployments/{id}/go-live']));
    expect(reply.body.components.schemas.RegisterDeploymentBody.properties.owner.properties.email.format).toBe('email');
    expect(reply.body.components.schemas.TaskCompletedData.required).toEqual(['taskId', 'mode', 'outcome', 'durationSeconds']);
  });
});
