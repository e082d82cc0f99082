import { onLines, spawnTs } from './run-ts';

/** Starts the real all-in-one server in a child process; `url` resolves once it listens. */
export function startServerProcess(dataDir: string, env: Record<string, string> = {}) {
  return startAppProcess('baseliner', dataDir, env);
}

/** Starts one of the apps (all-in-one, intake alone, projector alone) in a child process. */
export function startAppProcess(app: 'baseliner' | 'intake' | 'projector', dataDir: string, env: Record<string, string> = {}) {
  const child = spawnTs(`apps/${app}/src/main.ts`, [], {
    env: { PORT: '0', BASELINER_HOST: '127.0.0.1', BASELINER_DATA_DIR: dataDir, BASELINER_LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
    onLines(child.stdout, (line) => {
      const match = /listening on (http:\/\/\S+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited: ${output}`));
    });
  });
  return { child, url, output: () => output };
}
