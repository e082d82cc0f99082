import { createInterface } from 'node:readline/promises';
import { resolve } from 'node:path';
import { stopOnExit } from '@baseliner/platform';
import { loadStatusRows, renderStatus } from '../../cli/src/status-table';
import { DemoAbortedError, DemoDirectoryRefusedError, demoDirectoryState, runDemo, type RunningDemo } from './demo';
import { OTLP_STORY, otlpRequested } from './otlp';

const say = (line = '') => process.stdout.write(`${line}\n`);
const warn = (line = '') => process.stderr.write(`${line}\n`);

/**
 * The data directory to use: the one asked for when the demo created it (or it is empty, or not
 * there yet). One it did not create is refused; on a terminal, the demo offers a new directory
 * beside it instead. It never deletes one it did not create.
 */
async function chooseDataDir(asked: string): Promise<string | undefined> {
  if (demoDirectoryState(asked) !== 'foreign') return asked;
  warn(new DemoDirectoryRefusedError(asked).message);
  const beside = `${asked}-demo`;
  if (!process.stdin.isTTY || !process.stdout.isTTY || demoDirectoryState(beside) === 'foreign') return undefined;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    // Ctrl-C at the question is a no.
    const answer = await prompt.question(`\nRun the demo in ${beside} instead (${asked} is left as it is)? [y/N] `).catch(() => '');
    return /^y(es)?$/i.test(answer.trim()) ? beside : undefined;
  } finally {
    prompt.close();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const port = Number(process.env.PORT ?? 3000);
  // Every way out (Ctrl-C, SIGTERM, a closed terminal, an error) stops the demo the same way: the
  // live stream and the clients, then the server, which closes the store (no WAL left behind).
  const aborted = new AbortController();
  let running: Promise<RunningDemo> | undefined;
  const exit = stopOnExit(
    async () => {
      aborted.abort();
      await (await running?.catch(() => undefined))?.stop();
    },
    { say: warn },
  );
  try {
    let otlp: boolean;
    try {
      otlp = otlpRequested(process.env.BASELINER_DEMO_OTLP);
    } catch (error) {
      warn((error as Error).message);
      return void (await exit(2));
    }
    const dataDir = await chooseDataDir(resolve(process.env.BASELINER_DATA_DIR ?? './data-demo'));
    if (!dataDir) {
      warn('\nThe demo did not start.');
      return void (await exit(2));
    }
    say(`Starting the Baseliner demo on port ${port} (fresh data in ${dataDir})…`);
    if (otlp) say(`${OTLP_STORY} sends its events through OpenTelemetry (OTLP log records to /otlp/v1/logs), the other stories through the SDK.`);
    running = runDemo({ port, dataDir, live: true, otlp, log: say, signal: aborted.signal });
    const demo = await running;
    const get = async <T>(path: string): Promise<T> =>
      (await fetch(`${demo.url}${path}`, { headers: { authorization: `Bearer ${demo.adminToken}` } })).json() as Promise<T>;
    const rows = await loadStatusRows(get, Date.now());
    say(`Backfilled ${demo.backfilledEvents.toLocaleString()} events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
    say(renderStatus(rows, { colour: Boolean(process.stdout.isTTY), width: process.stdout.isTTY ? process.stdout.columns : 120 }));
    say(`
Where to look (live events keep arriving every 15 s; Ctrl-C stops):
  In a browser         ${demo.url}/   (sign in with the admin token below)
  Prometheus metrics   ${demo.url}/metrics
  Scorecards           ${rows.map((d) => `${demo.url}/v1/deployments/${d.id}/scorecard`).join('\n                       ')}
  (admin token)        ${demo.adminToken}
  In a terminal        BASELINER_URL=${demo.url} BASELINER_ADMIN_TOKEN=${demo.adminToken} npm run baseliner -- status
                       BASELINER_URL=${demo.url} BASELINER_ADMIN_TOKEN=${demo.adminToken} npm run baseliner -- scorecard dispatch
                       BASELINER_URL=${demo.url} BASELINER_ADMIN_TOKEN=${demo.adminToken} npm run baseliner -- scorecard support-replies   (judged against the desk not yet live)
  OpenAPI              ${demo.url}/openapi.json
  Data                 ${dataDir} (the demo's own: the next run starts it afresh)`);
  } catch (error) {
    if (error instanceof DemoAbortedError) return; // a signal: stopOnExit is already ending the process
    // A failed start has closed what it opened (runDemo); a later failure stops the demo first.
    warn(error instanceof DemoDirectoryRefusedError ? error.message : String((error as Error)?.stack ?? error));
    await exit(error instanceof DemoDirectoryRefusedError ? 2 : 1);
  }
}

void main();
