import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

/** A failure to show the user as is: what went wrong and what to do. */
export class CliError extends Error {}

export interface ApiOptions {
  url: string;
  token?: string;
  /** Where the token was looked for when BASELINER_ADMIN_TOKEN is not set, and what was found there. */
  tokenLookup?: { file: string; problem: string };
}

/**
 * The folder the user ran the command from. `npm run baseliner -- …` runs the CLI in the
 * repository's folder, and npm keeps the folder it was started from in INIT_CWD: a file named on
 * the command line is meant relative to that. Any other way of running it (`baseliner` linked,
 * `node dist/…`) runs it where the user is.
 */
export function userFolder(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const viaNpmScript = env.npm_lifecycle_event === 'baseliner' && env.npm_package_name === 'baseliner';
  return viaNpmScript && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/** A path the user typed, resolved against the folder they typed it in (see userFolder). */
export function userPath(path: string, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(userFolder(env, cwd), path);
}

/** BASELINER_URL and BASELINER_ADMIN_TOKEN; locally, the token the server saved under ./data. */
export function apiOptionsFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ApiOptions {
  const url = (env.BASELINER_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  const token = env.BASELINER_ADMIN_TOKEN?.trim();
  if (token) return { url, token };
  // The server's data directory is relative to where the server runs: `npm start` runs it in the repository's folder.
  const file = resolve(cwd, env.BASELINER_DATA_DIR || './data', 'secrets', 'admin-token');
  if (!existsSync(file)) return { url, tokenLookup: { file, problem: 'there is no such file' } };
  try {
    const saved = readFileSync(file, 'utf8').trim();
    return saved ? { url, token: saved } : { url, tokenLookup: { file, problem: 'the file is empty' } };
  } catch (error) {
    return { url, tokenLookup: { file, problem: `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` } };
  }
}

/** Why there is no admin token, where it was looked for, and what to set. */
export function missingTokenMessage(api: ApiOptions): string {
  const looked = api.tokenLookup
    ? `BASELINER_ADMIN_TOKEN is not set, and no token was found in ${api.tokenLookup.file} (${api.tokenLookup.problem}). `
    : 'BASELINER_ADMIN_TOKEN is not set. ';
  return (
    `No admin token: ${looked}` +
    'Set BASELINER_ADMIN_TOKEN to the token the server printed on its first start ' +
    '(saved in <its data directory>/secrets/admin-token), or set BASELINER_DATA_DIR to the server’s data directory.'
  );
}

export async function call<T = unknown>(api: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  if (!api.token && !path.startsWith('/v1/events')) throw new CliError(missingTokenMessage(api));
  let response: Response;
  try {
    response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${api.token}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new CliError(`Cannot reach Baseliner at ${api.url}: is it running? (set BASELINER_URL)`);
  }
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = parsed as { message?: string; details?: { field: string; message: string }[] } | undefined;
    const details = error?.details?.map((d) => `  ${d.field}: ${d.message}`).join('\n');
    throw new CliError(`${response.status}: ${error?.message ?? response.statusText}${details ? `\n${details}` : ''}`);
  }
  return parsed as T;
}
