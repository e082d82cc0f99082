import type { DynamicModule } from '@nestjs/common';
import { bootServer, createLogger, type RunningServer } from './bootstrap';
import { ConfigurationError, loadConfiguration } from './config/configuration';
import type { PlatformOptions } from './platform.module';

const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Runs `close` once, then ends the process with `code` (1 if `close` failed); if closing has not
 * ended the process within the deadline, it ends anyway with 1. Later calls wait for the first.
 */
function closeThenExit(close: () => Promise<unknown>, say: (line: string) => void, deadlineMs = SHUTDOWN_DEADLINE_MS) {
  let exiting: Promise<never> | undefined;
  return (code: number): Promise<never> =>
    (exiting ??= (async () => {
      setTimeout(() => {
        say(`shutdown took over ${deadlineMs / 1000} s; exiting now`);
        process.exit(1);
      }, deadlineMs).unref();
      let status = code;
      try {
        await close();
      } catch (error) {
        say(`shutdown failed: ${String((error as Error)?.stack ?? error)}`);
        status = 1;
      }
      process.exit(status);
    })());
}

/** The body of every app's main.ts: configuration from the environment, then boot; exit 1 on failure. */
export function runMain(rootModule: (platform: PlatformOptions) => DynamicModule): void {
  const start = async () => {
    const config = loadConfiguration(process.env);
    // One policy for a promise nobody awaited: log it with what is known and keep serving what
    // still works (Node's default would end the process, and a crash loop serves nothing).
    const logger = createLogger(config);
    process.on('unhandledRejection', (reason) => {
      const error = reason as { name?: string; code?: string; message?: string } | undefined;
      logger.error({ msg: 'unhandled rejection; the process keeps running', error: error?.code ?? error?.name, detail: error?.message }, 'process');
    });
    // An exception nobody caught leaves the process in a state nobody knows: it ends, but through
    // the same shutdown as a signal (the store flushed and closed: no WAL or lock journal left
    // behind), under the same deadline; exit 1.
    const exitAfterClosing = closeThenExit(
      async () => (await started.catch(() => undefined))?.close(),
      (line) => logger.error({ msg: line }, 'process'),
    );
    process.on('uncaughtException', (error) => {
      logger.error({ msg: 'uncaught exception; closing the store and exiting', error: error?.name, detail: error?.message, stack: error?.stack }, 'process');
      void exitAfterClosing(1);
    });
    // Shutdown has a deadline: Nest closes the server, finishes the batch under way and flushes the
    // store; if that has not ended the process in time, it ends anyway (work not acknowledged is
    // retried by clients; what was acknowledged is already on disk).
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        setTimeout(() => {
          logger.error({ msg: `shutdown took over ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting now` }, 'process');
          process.exit(1);
        }, SHUTDOWN_DEADLINE_MS).unref();
      });
    }
    return bootServer(rootModule, { config });
  };
  const started: Promise<RunningServer> = start();
  started.catch((error: unknown) => {
    // Problems a person can fix get their message alone; anything else its stack.
    const message =
      error instanceof ConfigurationError
        ? `Invalid configuration: ${error.message}`
        : ['DataDirectoryInUseError', 'PortInUseError', 'KurrentDbClientMissingError'].includes((error as Error)?.name)
          ? `Cannot start: ${(error as Error).message}`
          : String((error as Error)?.stack ?? error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}

export interface StopOnExitOptions {
  /** Where the process says it is stopping, or why stopping failed. Default stderr. */
  say?: (line: string) => void;
  deadlineMs?: number;
}

/**
 * For a process that holds a store outside `runMain` (the demo): SIGINT, SIGTERM, SIGHUP and an
 * uncaught exception all run `stop` once, then end the process: 0 after a signal; 1 after an
 * exception, a failed stop, or one that took over the deadline (10 s). A second signal while
 * stopping is acknowledged, not obeyed: ending there would leave the store unclosed. Returns the
 * same exit, for the caller's own errors: `exit(code)`.
 */
export function stopOnExit(stop: () => Promise<void>, options: StopOnExitOptions = {}): (code: number) => Promise<never> {
  const say = options.say ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const exit = closeThenExit(stop, say, options.deadlineMs);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return say(`${signal}: still stopping (closing the store); it ends within ${(options.deadlineMs ?? SHUTDOWN_DEADLINE_MS) / 1000} s`);
    stopping = true;
    say(`${signal}: stopping…`);
    void exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  process.on('uncaughtException', (error) => {
    say(`uncaught exception; stopping: ${String(error?.stack ?? error)}`);
    stopping = true;
    void exit(1);
  });
  return exit;
}
