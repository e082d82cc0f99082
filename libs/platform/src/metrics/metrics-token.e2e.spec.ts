import { startTestServer, type TestServer } from '../../../../test/support/test-server';

// BASELINER_METRICS_TOKEN over the booted server, as Prometheus and curl see it.
const METRICS_TOKEN = 'mt_' + 'x'.repeat(40);

/** Everything the server writes to stdout and stderr while `run` runs. */
async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: T; output: string }> {
  let output = '';
  const spies = [process.stdout, process.stderr].map((stream) =>
    jest.spyOn(stream, 'write').mockImplementation(((chunk: unknown) => {
      output += String(chunk);
      return true;
    }) as never),
  );
  try {
    return { result: await run(), output };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('/metrics with BASELINER_METRICS_TOKEN', () => {
  let server: TestServer;

  beforeAll(async () => {
    const started = await captureOutput(() => startTestServer({ config: { metricsToken: METRICS_TOKEN, logLevel: 'warn', logFormat: 'json' } }));
    server = started.result;
    // Locked: nothing said about an open /metrics.
    expect(started.output).not.toContain('/metrics is open');
  });
  afterAll(() => server?.dispose());

  const scrape = (headers: Record<string, string> = {}) => fetch(`${server.url}/metrics`, { headers });

  it('serves the metrics to "Authorization: Bearer <token>", as Prometheus sends it', async () => {
    const response = await scrape({ authorization: `Bearer ${METRICS_TOKEN}` });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('process_cpu_seconds_total');
  });

  it.each([
    ['no Authorization header', {}, 'needs "Authorization: Bearer <BASELINER_METRICS_TOKEN>"'],
    ['a wrong token', { authorization: `Bearer ${METRICS_TOKEN}x` }, 'not the metrics token'],
    ['a token one character short', { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` }, 'not the metrics token'],
    ['the token as Basic credentials', { authorization: `Basic ${Buffer.from(`prometheus:${METRICS_TOKEN}`).toString('base64')}` }, 'needs "Authorization: Bearer'],
    ['the token in a cookie', { cookie: `baseliner_session=${METRICS_TOKEN}` }, 'needs "Authorization: Bearer'],
  ])('refuses %s with 401 and says what to send, showing no metric', async (_what, headers, message) => {
    const response = await scrape(headers as Record<string, string>);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'unauthorized', message: expect.stringContaining(message) });
    expect(text).not.toContain('baseliner_');
  });

  it('does not take the admin token instead', async () => {
    const response = await scrape({ authorization: `Bearer ${server.adminToken}` });
    expect(response.status).toBe(401);
  });

  it('leaves the health checks open (probes send no token)', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('/metrics without BASELINER_METRICS_TOKEN', () => {
  it('stays open, and the server says so once at start', async () => {
    const { result: server, output } = await captureOutput(() => startTestServer({ config: { logLevel: 'warn', logFormat: 'json' } }));
    try {
      expect(output.match(/\/metrics is open/g)).toHaveLength(1);
      expect(output).toContain('BASELINER_METRICS_TOKEN');
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      // A stray Authorization header changes nothing when no token is configured.
      expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer whatever' } })).status).toBe(200);
    } finally {
      await server.dispose();
    }
  });
});
