import { Client, type PoolClient } from 'pg';

const NOTIFY_CHANNEL = 'baseliner_events';

/** Inside a commit's transaction: delivered at commit, to every process that listens, so their subscriptions read at once. */
export async function notifyCommitted(client: PoolClient): Promise<void> {
  await client.query(`NOTIFY ${NOTIFY_CHANNEL}`);
}

/**
 * One LISTEN connection per process, opened with the first subscription. Subscriptions also
 * poll, so a lost or refused connection delays them by a poll interval at most.
 */
export class CommitListener {
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;

  constructor(
    private readonly options: {
      url: string;
      /** Called for each commit announced by any process (this one included). */
      onCommit(): void;
      /** The store has closed: a connection that opens late is closed at once. */
      isClosed(): boolean;
    },
  ) {}

  listen(): Promise<void> {
    this.listening ??= (async () => {
      const client = new Client({ connectionString: this.options.url, application_name: 'baseliner-listen' });
      client.on('error', () => {
        // Lost: subscriptions keep polling; the next subscription opens a new one.
        this.listener = undefined;
        this.listening = undefined;
      });
      client.on('notification', () => this.options.onCommit());
      try {
        await client.connect();
        await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
        if (this.options.isClosed()) await client.end();
        else this.listener = client;
      } catch {
        this.listening = undefined;
        await client.end().catch(() => undefined);
      }
    })();
    return this.listening;
  }

  async close(): Promise<void> {
    await this.listening;
    await this.listener?.end().catch(() => undefined);
  }
}
