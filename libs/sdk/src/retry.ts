/** Answers worth another attempt: the server may accept the same batch later. */
export const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

/** Exponential backoff with full jitter, never shorter than the server's Retry-After. */
export function backoffMs(
  attempt: number,
  retryAfterSeconds: number | undefined,
  settings: { baseDelayMs: number; maxDelayMs: number; random: () => number },
): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** attempt);
  const jittered = settings.random() * ceiling;
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/** A Retry-After header in seconds, when it is a positive number. */
export function retryAfterSeconds(response: { headers: { get(name: string): string | null } }): number | undefined {
  const header = Number(response.headers.get('retry-after'));
  return Number.isFinite(header) && header > 0 ? header : undefined;
}

/** The default sleep: its timer is cleared on abort, so it cannot keep an exiting process alive. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Any sleep, custom ones too, ends early on abort. */
export function sleepUnlessAborted(sleep: (ms: number, signal?: AbortSignal) => Promise<void>, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    sleep(ms, signal).then(done, done);
  });
}
