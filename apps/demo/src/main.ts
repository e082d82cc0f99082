import { loadStatusRows, renderStatus } from '../../cli/src/status-table';
import { runDemo } from './demo';

async function main(): Promise<void> {
  const started = Date.now();
  const port = Number(process.env.PORT ?? 3000);
  const dataDir = process.env.BASELINER_DATA_DIR ?? './data-demo';
  const say = (line = '') => process.stdout.write(`${line}\n`);
  say(`Starting the Baseliner demo on port ${port} (fresh data in ${dataDir})…`);
  const demo = await runDemo({ port, dataDir, live: true, log: say });
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
  OpenAPI              ${demo.url}/openapi.json`);
  const stop = () => void demo.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
