import { DeliveryError } from './errors';
import type { CloudEvent } from './events';
import type { ClientSettings } from './options';
import { RETRYABLE } from './retry';
import { formatMs } from './wording';

/** The body of an answer from `POST /v1/events` (an error's too). */
export interface EventsAnswerBody {
  accepted?: number;
  duplicates?: number;
  rejected?: { index: number; reason: string; message: string }[];
  message?: string;
}

type Transport = Pick<ClientSettings, 'fetch' | 'ingestKey' | 'requestTimeoutMs'>;

/** One attempt: the batch as one `POST /v1/events`, bounded by the request timeout and `giveUp`. Throws when there is no answer. */
export async function postEvents(settings: Transport, endpoint: string, batch: CloudEvent[], giveUp: AbortSignal) {
  const response = await settings.fetch(endpoint, {
    method: 'POST',
    headers: { authorization: `Bearer ${settings.ingestKey}`, 'content-type': 'application/cloudevents-batch+json' },
    body: JSON.stringify(batch),
    signal: AbortSignal.any([AbortSignal.timeout(settings.requestTimeoutMs), giveUp]),
  });
  const body = (await response.json().catch(() => ({}))) as EventsAnswerBody;
  return { response, body };
}

/** An answer other than 202/207, in words that say what to check. */
export function answerError(settings: Pick<ClientSettings, 'ingestKey' | 'url' | 'deployment'>, endpoint: string, status: number, serverMessage: string | undefined): DeliveryError {
  const said = serverMessage ? `: ${serverMessage}` : '';
  if (status === 401 || status === 403) {
    // The server's first sentence says what is wrong with the key (unknown, revoked); the advice is ours.
    const firstSentence = serverMessage?.split(/(?<=\.)\s/)[0]?.replace(/\.$/, '');
    const saidAboutKey = firstSentence ? `: ${firstSentence}` : '';
    const keyId = /^(blk_[^.]+)\./.exec(settings.ingestKey)?.[1];
    const which = keyId ? `the ingest key ${keyId}…` : 'the ingest key';
    return new DeliveryError(
      `Baseliner at ${settings.url} refused ${which} (${status}${saidAboutKey}). ` +
        `Check the ingestKey option: it must be a current key of deployment "${settings.deployment}" ` +
        `(issue one with POST /v1/deployments/${settings.deployment}/keys or \`baseliner deployments keys ${settings.deployment}\`).`,
      'unauthorized',
      endpoint,
      status,
    );
  }
  if (status === 404) {
    return new DeliveryError(
      `${endpoint} answered 404${said}: is url the base URL of a Baseliner server (e.g. http://localhost:3000, without a path)?`,
      'refused',
      endpoint,
      status,
    );
  }
  const problem = RETRYABLE.has(status) ? 'unavailable' : 'refused';
  return new DeliveryError(`Baseliner at ${endpoint} answered ${status}${said || ' (no message)'}.`, problem, endpoint, status);
}

/** No answer: what happened, from the fetch error's cause. */
export function unreachableError(settings: Pick<ClientSettings, 'url' | 'requestTimeoutMs'>, endpoint: string, error: unknown): DeliveryError {
  const e = error as Error & { cause?: { message?: string; code?: string } };
  // Node's fetch says only "fetch failed"; what happened (ECONNREFUSED, ENOTFOUND…) is its cause.
  const why =
    e?.name === 'TimeoutError'
      ? `no answer within ${formatMs(settings.requestTimeoutMs)}`
      : e?.cause?.message || e?.cause?.code || e?.message || String(error);
  return new DeliveryError(`Cannot reach Baseliner at ${settings.url} (${why}): is the server running, and is url right?`, 'unreachable', endpoint, undefined, { cause: error });
}
