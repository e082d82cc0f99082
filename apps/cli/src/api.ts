import { existsSync, readFileSync } from 'node:fs';

/** A failure to show the user as is: what went wrong and what to do. */
export class CliError extends Error {}

export interface ApiOptions {
  url: string;
  token?: string;
}

/** BASELINER_URL and BASELINER_ADMIN_TOKEN; locally, the token the server saved under ./data. */
export function apiOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiOptions {
  const url = (env.BASELINER_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  let token = env.BASELINER_ADMIN_TOKEN;
  const local = `${env.BASELINER_DATA_DIR ?? './data'}/secrets/admin-token`;
  if (!token && existsSync(local)) token = readFileSync(local, 'utf8').trim();
  return { url, token };
}

export async function call<T = unknown>(api: ApiOptions, method: string, path: string, body?: unknown): Promise<T> {
  if (!api.token && !path.startsWith('/v1/events')) {
    throw new CliError('Set BASELINER_ADMIN_TOKEN (printed on the server’s first start, saved in <data dir>/secrets/admin-token)');
  }
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
