import { Presets, SingleBar } from 'cli-progress';
import { count } from './migrate-stores';

const PLAIN_PROGRESS_EVERY_MS = 5000;

/** A bar on a terminal; otherwise a plain line every few seconds (logs, CI). */
export class CopyProgress {
  private readonly bar: SingleBar | undefined;
  private lastLine = Date.now();
  private stopped = false;

  constructor(
    private readonly head: number,
    private readonly io: { out(line: string): void; tty: boolean },
  ) {
    if (io.tty) {
      this.bar = new SingleBar(
        { stream: process.stdout, format: 'copying |{bar}| {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}', hideCursor: true },
        Presets.shades_classic,
      );
      this.bar.start(head, 0, { events: '0', rate: '0' });
    }
  }

  update(position: number, events: number, started: number): void {
    const rate = count(Math.round(events / Math.max((Date.now() - started) / 1000, 0.001)));
    if (this.bar) return this.bar.update(Math.min(position, this.head), { events: count(events), rate });
    if (Date.now() - this.lastLine < PLAIN_PROGRESS_EVERY_MS) return;
    this.lastLine = Date.now();
    this.io.out(`copying: ${count(events)} events so far (${Math.floor((position / this.head) * 100)}% of the log), ${rate} events/s`);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.bar?.stop();
  }
}
