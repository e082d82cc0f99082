import type { DynamicModule } from '@nestjs/common';
import { bootServer } from './bootstrap';
import { ConfigurationError, loadConfiguration } from './config/configuration';
import type { PlatformOptions } from './platform.module';

/** The body of every app's main.ts: configuration from the environment, then boot; exit 1 on failure. */
export function runMain(rootModule: (platform: PlatformOptions) => DynamicModule): void {
  const start = async () => bootServer(rootModule, { config: loadConfiguration(process.env) });
  start().catch((error: unknown) => {
    const message =
      error instanceof ConfigurationError ? `Invalid configuration: ${error.message}` : String((error as Error)?.stack ?? error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
