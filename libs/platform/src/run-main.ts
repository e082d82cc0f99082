import type { DynamicModule } from '@nestjs/common';
import { bootServer, createLogger } from './bootstrap';
import { ConfigurationError, loadConfiguration } from './config/configuration';
import type { PlatformOptions } from './platform.module';

const SHUTDOWN_DEADLINE_MS = 10_000;

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
  start().catch((error: unknown) => {
    // Problems a person can fix get their message alone; anything else its stack.
    const message =
      error instanceof ConfigurationError
        ? `Invalid configuration: ${error.message}`
        : (error as Error)?.name === 'DataDirectoryInUseError' || (error as Error)?.name === 'PortInUseError'
          ? `Cannot start: ${(error as Error).message}`
          : String((error as Error)?.stack ?? error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
