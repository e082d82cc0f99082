import type { Admin, Kafka } from 'kafkajs';

/** How long a scrape waits for the broker's offsets before keeping the last lag figures. */
const LAG_TIMEOUT_MS = 1_500;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the broker within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The group's lag per partition, from the broker: its high watermark minus the group's committed
 * offset. Asked at scrape time, so a consumer that is stuck or gone shows its lag growing
 * (a figure kept from the last batch would freeze).
 */
export class ConsumerLag {
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly source: { topic: string; groupId: string },
  ) {}

  async read(): Promise<{ partition: number; lag: number }[]> {
    // One client, made once even when scrapes overlap, that retries little: a scrape must not wait
    // out a broker outage (Prometheus would drop every metric of the scrape, not just this one).
    this.admin ??= (async () => {
      const admin = this.kafka.admin({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    const admin = await withTimeout(this.admin, LAG_TIMEOUT_MS);
    const { topic, groupId } = this.source;
    const [ends, committed] = await withTimeout(Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]), LAG_TIMEOUT_MS);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.map((end) => {
      const offset = done.get(end.partition) ?? -1;
      // -1: nothing committed yet, so everything from the earliest kept record is still to read.
      return { partition: end.partition, lag: Math.max(0, Number(end.high) - (offset < 0 ? Number(end.low) : offset)) };
    });
  }

  async close(): Promise<void> {
    await this.admin?.then((admin) => admin.disconnect()).catch(() => undefined);
  }
}
