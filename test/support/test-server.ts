import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaselinerAppModule } from '../../apps/baseliner/src/app.module';
import { bootServer, loadConfiguration, type AppConfig, type Clock, type RunningServer } from '@baseliner/platform';

export interface TestServer extends RunningServer {
  dataDir: string;
  adminToken: string;
  /** Stops the server and deletes its data dir. */
  dispose(): Promise<void>;
}

/** The all-in-one app on a random loopback port with a fresh data dir: the real thing, in-process. */
export async function startTestServer(
  options: { config?: Partial<AppConfig>; clock?: Clock; dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'baseliner-e2e-'));
  const config = {
    ...loadConfiguration({ PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'error' }),
    ...options.config,
  };
  const server = await bootServer((platform) => BaselinerAppModule.forRoot(platform), {
    config,
    clock: options.clock,
    announce: false,
  });
  return {
    ...server,
    dataDir,
    adminToken: server.secrets.adminToken,
    dispose: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A small HTTP client for tests: JSON in, JSON out, every status returned rather than thrown. */
export function client(baseUrl: string, token?: string) {
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token && { authorization: `Bearer ${token}` }),
        ...(body !== undefined && !(body instanceof Uint8Array) && typeof body !== 'string' && { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof Uint8Array || typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => send('POST', path, body, headers),
    put: (path: string, body?: unknown) => send('PUT', path, body),
    delete: (path: string) => send('DELETE', path),
  };
}

let counter = 0;

/** A valid task.completed CloudEvent; override any attribute or data field. */
export function taskCompleted(deployment: string, overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  counter += 1;
  return {
    specversion: '1.0',
    id: `evt-${process.pid}-${Date.now()}-${counter}`,
    source: 'test-system',
    type: 'task.completed',
    time: new Date(Date.now() - 3_600_000).toISOString(),
    deployment,
    data: { taskId: `task-${counter}`, mode: 'ai', outcome: 'success', durationSeconds: 30, actor: 'alice@example.com', ...data },
    ...overrides,
  };
}

export const validRegistration = (id: string) => ({
  id,
  name: `Deployment ${id}`,
  owner: { name: 'Dana Reyes', email: 'dana.reyes@example.com' },
  criteria: [{ metric: 'task_duration_p50', relativeChange: -0.3 }],
});

/** Registers a deployment and issues a key: the state a deployed system starts from. */
export async function deploymentWithKey(baseUrl: string, adminToken: string, id: string): Promise<string> {
  const admin = client(baseUrl, adminToken);
  const registered = await admin.post('/v1/deployments', validRegistration(id));
  if (registered.status !== 201) throw new Error(`register failed: ${JSON.stringify(registered.body)}`);
  const key = await admin.post(`/v1/deployments/${id}/keys`);
  return key.body.key as string;
}
