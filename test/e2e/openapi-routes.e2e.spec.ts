import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamicModule } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import type { Scorecard } from '@baseliner/analytics';
import { isRfc3339, type ScorecardResponse } from '@baseliner/contracts';
import { bootServer, loadConfiguration, type PlatformOptions } from '@baseliner/platform';
import { IntakeAppModule } from '../../apps/intake/src/intake-app.module';
import { ProjectorAppModule } from '../../apps/projector/src/projector-app.module';
import { plannedTasks } from '../support/scenario';
import { client, startTestServer, type TestServer } from '../support/test-server';

// The OpenAPI document is the API's description for whoever integrates: every route the server
// answers must be in it, and nothing in it may be a route the server does not answer.

// Compile time: the scorecard the projector builds (libs/analytics) fits the documented schema
// (libs/contracts). A field retyped, or required by the schema and missing from the projector,
// fails `npm run typecheck`; a field the projector adds without documenting it shows here by path.
const _projectorTypeFitsSchema = (card: Scorecard): ScorecardResponse => card;
type Prefixed<K extends string, P> = P extends string ? `${K}.${P}` : never;
/** Property paths of A that B lacks, at any depth ("adoption.newField"). */
type Undocumented<A, B> = A extends readonly (infer AItem)[]
  ? B extends readonly (infer BItem)[]
    ? Undocumented<AItem, BItem>
    : never
  : A extends object
    ? { [K in keyof A & string]-?: K extends keyof B ? Prefixed<K, Undocumented<NonNullable<A[K]>, NonNullable<B[K]>>> : K }[keyof A & string]
    : never;
const _everyScorecardFieldDocumented: [Undocumented<Scorecard, ScorecardResponse>] extends [never] ? true : Undocumented<Scorecard, ScorecardResponse> = true;

type Document = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>>;
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** "GET /v1/deployments/{id}" for every operation of the document. */
function documentedRoutes(document: Document): string[] {
  return Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.keys(operations)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

/**
 * "GET /v1/deployments/{id}" for every route Fastify serves, read from its route tree
 * (printRoutes without common prefixes: one node per line, four columns per level). HEAD is
 * left out where Fastify added it for a GET (exposeHeadRoutes): a documented GET implies it.
 */
function servedRoutes(fastify: FastifyInstance): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const node = /^(.*?)[├└]── (\S+)(?: \(([A-Z, ]+)\))?/.exec(line);
    if (!node) continue;
    const depth = (node[1] as string).length / 4;
    const path = (prefixes[depth - 1] ?? '') + (node[2] as string);
    prefixes[depth] = path;
    const methods = node[3]?.split(', ') ?? [];
    for (const method of methods) {
      if (method === 'HEAD' && methods.includes('GET')) continue;
      // The parser is checked against Fastify itself: every route read off the tree must be one it has.
      if (!fastify.hasRoute({ method, url: path })) throw new Error(`misread the route tree: ${method} ${path} is not a route`);
      routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes.sort();
}

const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / DAY) * DAY - DAY + 18 * 3_600_000);
const GO_LIVE = NOW.getTime() - 40 * DAY - 10 * 3_600_000;

describe('the OpenAPI document against the routes the server serves', () => {
  let server: TestServer;
  let document: Document;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    server = await startTestServer({ clock: { now: () => NOW } });
    admin = client(server.url, server.adminToken);
    const served = await client(server.url).get('/openapi.json');
    expect(served.status).toBe(200);
    document = served.body as Document;
  }, 30_000);
  afterAll(async () => server?.dispose());

  it('documents every route the all-in-one server serves, and documents nothing it does not serve', () => {
    const fastify = server.app.getHttpAdapter().getInstance();
    const served = servedRoutes(fastify);
    const documented = documentedRoutes(document).sort();
    expect(served.length).toBeGreaterThanOrEqual(15);
    // A failure here names the route: describe it in libs/contracts/src/openapi.ts (or remove it from there).
    expect({ undocumented: served.filter((r) => !documented.includes(r)) }).toEqual({ undocumented: [] });
    expect({ documentedButNotServed: documented.filter((r) => !served.includes(r)) }).toEqual({ documentedButNotServed: [] });
    // And in Fastify's own words, route by route, without the tree parser.
    for (const route of documented) {
      const [method, path] = route.split(' ') as [string, string];
      expect({ route, served: fastify.hasRoute({ method, url: path.replace(/\{(\w+)\}/g, ':$1') }) }).toEqual({ route, served: true });
    }
  });

  it('the intake alone and the projector alone serve nothing undocumented', async () => {
    const documented = documentedRoutes(document);
    for (const [name, rootModule] of [
      ['intake', (platform: PlatformOptions) => IntakeAppModule.forRoot(platform)],
      ['projector', (platform: PlatformOptions) => ProjectorAppModule.forRoot(platform)],
    ] as [string, (platform: PlatformOptions) => DynamicModule][]) {
      const dataDir = mkdtempSync(join(tmpdir(), `baseliner-openapi-${name}-`));
      const app = await bootServer(rootModule, {
        config: loadConfiguration({ PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'error' }),
        announce: false,
      });
      try {
        const served = servedRoutes(app.app.getHttpAdapter().getInstance());
        expect(served.length).toBeGreaterThan(3);
        expect({ app: name, undocumented: served.filter((r) => !documented.includes(r)) }).toEqual({ app: name, undocumented: [] });
      } finally {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }, 30_000);

  describe('served responses match their documented schemas', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    // The project's own reading of date-time (RFC 3339 with an explicit offset), as the API validates it.
    ajv.addFormat('date-time', isRfc3339);
    const BASE = 'https://baseliner.invalid/openapi.json';
    // The schema of one documented response, by JSON pointer into the document, so its $refs resolve there.
    const validatorFor = (path: string, status: string, method = 'get') => {
      if (!ajv.getSchema(BASE)) ajv.addSchema({ ...document, $id: BASE });
      expect(document.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema).toBeDefined();
      const pointer = ['paths', path, method, 'responses', status, 'content', 'application/json', 'schema']
        .map((token) => encodeURIComponent(token.replaceAll('~', '~0').replaceAll('/', '~1')))
        .join('/');
      return ajv.compile({ $ref: `${BASE}#/${pointer}` });
    };
    const check = (validate: ReturnType<typeof validatorFor>, body: unknown) => ({ valid: validate(body), errors: validate.errors ?? null });

    it('a scorecard with a baseline, a live window, adoption, criteria and a weekday pattern', async () => {
      const register = await admin.post('/v1/deployments', {
        id: 'doc-review',
        name: 'Document review assistant',
        owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
        eligibleUsers: 20,
        criteria: [
          { metric: 'task_duration_p50', relativeChange: -0.3 },
          { metric: 'error_ratio', relativeChange: 0 },
          { metric: 'cost_per_task', atMost: 2 },
          { metric: 'adoption_ratio', atLeast: 0.6 },
          { metric: 'reversion_ratio', atMost: 0.2 },
          { metric: 'override_ratio', atMost: 0.1 },
        ],
      });
      expect(register.status).toBe(201);
      expect((await admin.post('/v1/deployments/doc-review/go-live', { at: new Date(GO_LIVE).toISOString() })).status).toBe(200);
      const key = (await admin.post('/v1/deployments/doc-review/keys')).body.key as string;
      const withCost = (events: Record<string, unknown>[]) =>
        events.map((e) => ({ ...e, data: { ...(e.data as object), costUsd: 1.25 } }));
      const around = (day: number, type: string, data: Record<string, unknown>, i: number) => ({
        specversion: '1.0',
        id: `${type}-${day}-${i}`,
        source: 'scenario',
        type,
        time: new Date(GO_LIVE + day * DAY + 3_600_000 * (i % 8)).toISOString(),
        deployment: 'doc-review',
        data,
      });
      const events = [
        ...plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: -28, toDay: -1, perDay: 12, mode: 'manual', medianSeconds: 600, errorRate: 0.1 }),
        ...withCost(plannedTasks(GO_LIVE, { deployment: 'doc-review', fromDay: 0, toDay: 39, perDay: 12, mode: 'ai', medianSeconds: 300, errorRate: 0.05 })),
        ...Array.from({ length: 40 }, (_, day) => around(day, 'ai.used', { actor: `person-${day % 12}@example.com`, feature: 'clause-check' }, day)),
        ...Array.from({ length: 6 }, (_, i) => around(20 + i, 'ai.overridden', { actor: 'person-1@example.com' }, i)),
        around(30, 'ai.disabled', { actor: 'person-2@example.com', scope: 'user' }, 0),
        around(31, 'escalation.raised', { to: 'operator' }, 0),
        around(32, 'error.downstream', { stage: 'billing' }, 0),
        around(33, 'feedback.given', { score: 4 }, 0),
      ];
      const intake = client(server.url, key);
      for (let i = 0; i < events.length; i += 500) {
        const reply = await intake.post('/v1/events', events.slice(i, i + 500));
        expect({ status: reply.status, rejected: reply.body.rejected }).toEqual({ status: 202, rejected: [] });
      }

      const card = await admin.get('/v1/deployments/doc-review/scorecard');
      expect(card.status).toBe(200);
      // The parts worth checking are there (a validator passes an object whose optional parts are all absent).
      expect(card.body).toMatchObject({ phase: 'live', windows: { baseline: { tasks: { manual: 336 } }, current: {} }, verdictSince: expect.any(String) });
      expect(card.body.metrics.task_duration_p50.change).toBeDefined();
      expect(card.body.adoption.adoptionInterval).not.toBeNull();
      expect(card.body.criteria).toHaveLength(6);
      expect(check(validatorFor('/v1/deployments/{id}/scorecard', '200'), card.body)).toEqual({ valid: true, errors: null });
    });

    it('a scorecard of a deployment that is registered and has seen nothing (nulls and absent parts)', async () => {
      await admin.post('/v1/deployments', { id: 'fresh', name: 'Fresh', owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' } });
      const card = await admin.get('/v1/deployments/fresh/scorecard');
      expect(card.body).toMatchObject({ verdict: 'pending', adoption: { eligibleUsers: null, aiTaskShare: null } });
      expect(check(validatorFor('/v1/deployments/{id}/scorecard', '200'), card.body)).toEqual({ valid: true, errors: null });
    });

    it('a scorecard that does not match is refused by the documented schema (the check has teeth)', async () => {
      const card = (await admin.get('/v1/deployments/fresh/scorecard')).body;
      const validate = validatorFor('/v1/deployments/{id}/scorecard', '200');
      expect(validate({ ...card, verdict: 'probably fine' })).toBe(false);
      expect(validate({ ...card, surprise: 1 })).toBe(false);
      const { adoption: _adoption, ...withoutAdoption } = card;
      expect(validate(withoutAdoption)).toBe(false);
    });

    it('the deployment list, the scorecard 404, viewer tokens, /healthz and /readyz', async () => {
      const list = await admin.get('/v1/deployments');
      expect(list.body.map((d: { id: string }) => d.id).sort()).toEqual(['doc-review', 'fresh']);
      expect(check(validatorFor('/v1/deployments', '200'), list.body)).toEqual({ valid: true, errors: null });
      const missing = await admin.get('/v1/deployments/ghost/scorecard');
      expect(missing.status).toBe(404);
      expect(check(validatorFor('/v1/deployments/{id}/scorecard', '404'), missing.body)).toEqual({ valid: true, errors: null });
      const issued = await admin.post('/v1/viewer-tokens', { name: 'finance team' });
      expect(issued.status).toBe(201);
      expect(check(validatorFor('/v1/viewer-tokens', '201', 'post'), issued.body)).toEqual({ valid: true, errors: null });
      expect((await admin.delete(`/v1/viewer-tokens/${issued.body.tokenId}`)).status).toBe(204);
      const tokens = await admin.get('/v1/viewer-tokens');
      expect(tokens.body).toEqual([expect.objectContaining({ name: 'finance team', revokedAt: expect.any(String) })]);
      expect(check(validatorFor('/v1/viewer-tokens', '200'), tokens.body)).toEqual({ valid: true, errors: null });
      for (const path of ['/healthz', '/readyz']) {
        const reply = await client(server.url).get(path);
        expect(reply.status).toBe(200);
        expect({ path, ...check(validatorFor(path, '200'), reply.body) }).toEqual({ path, valid: true, errors: null });
      }
    });
  });
});
