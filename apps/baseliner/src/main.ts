import { bootServer, ConfigurationError, loadConfiguration } from '@baseliner/platform';
import { BaselinerAppModule } from './app.module';

async function main(): Promise<void> {
  const config = loadConfiguration(process.env);
  await bootServer((platform) => BaselinerAppModule.forRoot(platform), { config });
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigurationError ? `Invalid configuration: ${error.message}` : String((error as Error)?.stack ?? error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
