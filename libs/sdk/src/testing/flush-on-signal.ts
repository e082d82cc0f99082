// Child process for the SDK shutdown test: queues events that only a shutdown flush would send.
import { BaselinerClient } from '../client';

const [url, key, deployment] = process.argv.slice(2) as [string, string, string];
const client = new BaselinerClient({ url, ingestKey: key, deployment, source: 'shutdown-test', flushIntervalMs: 600_000 });
client.flushOnShutdown();
for (let i = 0; i < 25; i += 1) client.aiUsed({ actor: `a${i}` });
process.stdout.write('queued\n');
setInterval(() => undefined, 1_000); // stay alive like a service until signalled
