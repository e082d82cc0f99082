import {
  CloudEventEnvelope,
  compileValidator,
  formatFieldErrors,
  INTAKE_LIMITS,
  isTelemetryEventType,
  TELEMETRY_DATA_SCHEMAS,
  type DeploymentPhase,
  type IntakeRejection,
  type IntakeResponse,
  type TelemetryEventType,
  type Validator,
} from '@baseliner/contracts';
import { admitTelemetryEvent } from '@baseliner/domain';
import type { AppendResult, EventStore, NewEvent } from '@baseliner/event-store';
import { storedEventCodec } from '@baseliner/platform';
import type { ActorPseudonymiser } from './actor-pseudonymiser';
import { telemetryEventId, telemetryStream } from './telemetry-event-id';

/** An unpaired UTF-16 surrogate (high not followed by low, or low not preceded by high). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const IDENTITY_FIELDS = ['id', 'source', 'deployment'] as const;

/**
 * The first identity attribute holding a lone surrogate. A plain loop with a quick test first:
 * it runs for every event, and almost no id holds a surrogate at all.
 */
function fieldWithLoneSurrogate(event: Record<(typeof IDENTITY_FIELDS)[number], string>): string | undefined {
  for (const field of IDENTITY_FIELDS) {
    const value = event[field];
    if (ANY_SURROGATE.test(value) && LONE_SURROGATE.test(value)) return field;
  }
  return undefined;
}

const envelopeValidator = compileValidator(CloudEventEnvelope);
const dataValidators = Object.fromEntries(
  Object.entries(TELEMETRY_DATA_SCHEMAS).map(([type, schema]) => [type, compileValidator(schema)]),
) as Record<TelemetryEventType, Validator<Record<string, unknown>>>;

/** A request whose shape is wrong as a whole: nothing is stored. */
export class IntakeRequestError extends Error {
  constructor(
    readonly status: 400 | 413 | 499,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type IntakeResult = 'accepted' | 'duplicate' | 'rejected';

export interface IntakeOutcome extends IntakeResponse {
  /** Event counts keyed `<type>|<result>`, for the intake metrics; `unknown` when the type was not readable. */
  tally: Map<string, number>;
}

function add(tally: Map<string, number>, type: string, result: IntakeResult, n = 1): void {
  if (n === 0) return;
  const key = `${type}|${result}`;
  tally.set(key, (tally.get(key) ?? 0) + n);
}

export interface IntakeDependencies {
  store: EventStore;
  pseudonymiser: ActorPseudonymiser;
  phaseOf(deploymentId: string): DeploymentPhase | undefined;
}

/** Deeper than this, `data` is refused: nothing legitimate nests so deep, and it would overflow serialisers. */
export const MAX_DATA_DEPTH = 32;

function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

function eventsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (body !== null && typeof body === 'object') return [body];
  throw new IntakeRequestError(
    400,
    'invalid_body',
    'The body must be one CloudEvent (a JSON object) or a JSON array of CloudEvents',
  );
}

/**
 * Validates, admits, pseudonymises and stores one request's events for the deployment the key
 * belongs to. Each event stands alone: a bad one is rejected with a reason, the rest are stored.
 */
export class IntakeService {
  constructor(private readonly deps: IntakeDependencies) {}

  /**
   * `clientGone` is asked right before the append: a request its client gave up on is not committed.
   *
   * Validation runs synchronously and only ids and types wait for the store: the request's parsed
   * events are garbage as soon as the store has serialised them. Kept alive while a commit runs
   * (hundreds of milliseconds under load), every event would survive young-generation collections
   * and be copied to the old generation — on the Kafka intake that copying and marking cost more
   * CPU than validation.
   */
  ingest(keyDeploymentId: string, body: unknown, now: Date, clientGone: () => boolean = () => false): Promise<IntakeOutcome> {
    try {
      const { toStore, rejected, tally, storedByType, duplicatesInRequest } = this.prepare(keyDeploymentId, body, now);
      if (toStore.length === 0) return Promise.resolve({ accepted: 0, duplicates: duplicatesInRequest, rejected, tally });
      if (clientGone()) {
        // Nobody waits for the answer: storing now would only add work under load (a retry comes anyway).
        throw new IntakeRequestError(499, 'client_gone', 'The client closed the connection before the events were stored; nothing was stored');
      }
      const ids = toStore.map((event) => event.id);
      const types = toStore.map((event) => event.type);
      const appending = this.deps.store.append(telemetryStream(keyDeploymentId), toStore, { expectedRevision: 'any' });
      return settleAppend(appending, ids, types, { rejected, tally, storedByType, duplicatesInRequest });
    } catch (error) {
      // As from an async function: every failure is a rejected promise, never a throw.
      return Promise.reject(error);
    }
  }

  private prepare(keyDeploymentId: string, body: unknown, now: Date): PreparedRequest {
    const items = eventsOf(body);
    if (items.length > INTAKE_LIMITS.maxEventsPerRequest) {
      throw new IntakeRequestError(
        413,
        'too_many_events',
        `${items.length} events in one request; the limit is ${INTAKE_LIMITS.maxEventsPerRequest}: split the batch`,
      );
    }
    const rejected: IntakeRejection[] = [];
    const tally = new Map<string, number>();
    const toStore: NewEvent[] = [];
    const storedByType = new Map<string, number>();
    const seenInRequest = new Set<string>();
    let duplicatesInRequest = 0;
    const context = { keyDeploymentId, phaseOf: this.deps.phaseOf, now };

    items.forEach((item, index) => {
      const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
      const reject = (reason: IntakeRejection['reason'], message: string, type = 'unknown') => {
        rejected.push({ index, ...(id !== undefined && { id }), reason, message });
        add(tally, type, 'rejected');
      };
      const envelope = envelopeValidator.validate(item);
      if (!envelope.ok) return reject('invalid_envelope', formatFieldErrors(envelope.errors));
      const event = envelope.value;
      // A lone surrogate cannot be encoded: it would become U+FFFD, and "sur-\ud800" and
      // "sur-\udbff" the same event. Identity attributes must be well-formed Unicode.
      const malformed = fieldWithLoneSurrogate(event);
      if (malformed) return reject('invalid_envelope', `${malformed}: contains an unpaired UTF-16 surrogate; send well-formed Unicode`);
      if (!isTelemetryEventType(event.type)) {
        return reject('unknown_type', `type "${event.type}" is not one of ${Object.keys(TELEMETRY_DATA_SCHEMAS).join(', ')}`);
      }
      const data = dataValidators[event.type].validate(event.data);
      if (!data.ok) {
        const errors = data.errors.map((e) => ({ ...e, field: e.field ? `data.${e.field}` : 'data' }));
        return reject('invalid_data', formatFieldErrors(errors), event.type);
      }
      // One walk of the whole event; only when it is too deep, find out which part.
      if (nestedDeeperThan(event, MAX_DATA_DEPTH + 1)) {
        if (nestedDeeperThan(event.data, MAX_DATA_DEPTH)) {
          return reject('invalid_data', `data nests deeper than ${MAX_DATA_DEPTH} levels: flatten the extra fields`, event.type);
        }
        return reject('invalid_envelope', `an attribute nests deeper than ${MAX_DATA_DEPTH} levels: extension attributes are plain values`, event.type);
      }
      const admission = admitTelemetryEvent(event, context);
      if (!admission.admitted) return reject(admission.reason, admission.message, event.type);

      const storeId = telemetryEventId(event.deployment, event.source, event.id);
      if (seenInRequest.has(storeId)) {
        duplicatesInRequest += 1;
        add(tally, event.type, 'duplicate');
        return;
      }
      seenInRequest.add(storeId);
      // Every `actor`, whatever its type and on every event type (where the schema has no actor it
      // is an extra field, kept): a non-string is pseudonymised as its JSON, so it never lands raw.
      const actor = (data.value as { actor?: unknown }).actor;
      const stored =
        actor === undefined
          ? event
          : { ...event, data: { ...data.value, actor: this.deps.pseudonymiser.pseudonym(typeof actor === 'string' ? actor : JSON.stringify(actor)) } };
      // The store records arrival time itself (recordedAt), so no per-event metadata is written.
      toStore.push(storedEventCodec.encode({ id: storeId, type: event.type, data: stored }));
      storedByType.set(event.type, (storedByType.get(event.type) ?? 0) + 1);
    });

    return { toStore, rejected, tally, storedByType, duplicatesInRequest };
  }
}

interface PreparedRequest {
  toStore: NewEvent[];
  rejected: IntakeRejection[];
  tally: Map<string, number>;
  storedByType: Map<string, number>;
  duplicatesInRequest: number;
}

/** The outcome once the store answers, from the stored events' ids and types only. */
async function settleAppend(
  appending: Promise<AppendResult>,
  ids: string[],
  types: string[],
  { rejected, tally, storedByType, duplicatesInRequest }: Omit<PreparedRequest, 'toStore'>,
): Promise<IntakeOutcome> {
  const result = await appending;
  const duplicateTypes = new Map<string, number>();
  if (result.duplicateIds.length > 0) {
    const typeById = new Map(ids.map((id, i) => [id, types[i] as string]));
    for (const id of result.duplicateIds) {
      const type = typeById.get(id) as string;
      duplicateTypes.set(type, (duplicateTypes.get(type) ?? 0) + 1);
    }
  }
  for (const [type, stored] of storedByType) {
    const duplicated = duplicateTypes.get(type) ?? 0;
    add(tally, type, 'duplicate', duplicated);
    add(tally, type, 'accepted', stored - duplicated);
  }
  return { accepted: result.appendedIds.length, duplicates: duplicatesInRequest + result.duplicateIds.length, rejected, tally };
}
