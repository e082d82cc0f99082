// Child process: appends, closes the store, and must then exit by itself (nothing left running).
import { SqliteEventStore } from '../sqlite-event-store.adapter';

const [path] = process.argv.slice(2) as [string];

async function main(): Promise<void> {
  const store = new SqliteEventStore({ path });
  await Promise.all([1, 2, 3].map((n) => store.append(`exit-${n}`, [{ id: `exit-${n}`, type: 'T', data: { n } }])));
  await store.close();
  process.stdout.write('closed\n');
}

void main();
