// Child process for the crash test: appends in a loop and prints each acknowledged id, until killed.
import { SqliteEventStore } from '../sqlite-event-store.adapter';

const [path, runId] = process.argv.slice(2) as [string, string];
const store = new SqliteEventStore({ path });

async function main(): Promise<void> {
  let n = 0;
  for (;;) {
    // Several appends in flight at once, so group commit is exercised when the kill lands.
    const appends = Array.from({ length: 4 }, () => {
      const ids = Array.from({ length: 5 }, () => `${runId}-${(n += 1)}`);
      return store
        .append(`crash-${runId}`, ids.map((id) => ({ id, type: 'Tick', data: { id } })))
        .then(() => process.stdout.write(`ack ${ids.join(' ')}\n`));
    });
    await Promise.all(appends);
  }
}

process.stdout.write('ready\n');
void main();
