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
   * `clientGone` is asked right before the append (and before every slice, see `turns`): a request
   * its client gave up on is neither validated further nor committed.
   *
   * `turns` (the HTTP server's `eventLoopTurns`): validation runs in slices of about
   * `VALIDATION_SLICE_MS`, each in a turn of its own, and the append in one more, so the
   * event loop polls (accepts connections, answers probes, sheds) between them, and requests
   * under way are served before the next large body is parsed. Without (the Kafka intake, which
   * yields between requests itself), a request is validated at once.
   *
   * Only ids and types wait for the store: the request's parsed events are garbage as soon as the
   * store has serialised them. Kept alive while a commit runs (hundreds of milliseconds under
   * load), every event would survive young-generation collections and be copied to the old
   * generation — on the Kafka intake that copying and marking cost more CPU than validation.
   */
  ingest(
    keyDeploymentId: string,
    body: unknown,
    now: Date,
    clientGone: () => boolean = () => false,
    turns?: IntakeTurns,
  ): Promise<IntakeOutcome> {
    try {
      const preparation = new Preparation(eventsOf(body), { keyDeploymentId, phaseOf: this.deps.phaseOf, now }, this.deps.pseudonymiser);
      if (!turns) {
        preparation.step(Number.POSITIVE_INFINITY);
        return this.store(keyDeploymentId, preparation.result(), clientGone);
      }
      return this.prepareInTurns(keyDeploymentId, preparation, clientGone, turns);
    } catch (error) {
      // As from an async function: every failure is a rejected promise, never a throw.
      return Promise.reject(error);
    }
  }

  private async prepareInTurns(keyDeploymentId: string, preparation: Preparation, clientGone: () => boolean, turns: IntakeTurns): Promise<IntakeOutcome> {
    let done = false;
    while (!done) {
      await turns.continue();
      if (clientGone()) throw clientGoneError();
      done = preparation.step(performance.now() + VALIDATION_SLICE_MS);
    }
    const prepared = preparation.result();
    // The store encodes the events as they are appended (~3 ms for 1,000): a slice of its own.
    if (prepared.toStore.length > 0) await turns.continue();
    return this.store(keyDeploymentId, prepared, clientGone);
  }

  private store(keyDeploymentId: string, prepared: PreparedRequest, clientGone: () => boolean): Promise<IntakeOutcome> {
    const { toStore, rejected, tally, storedByType, duplicatesInRequest } = prepared;
    if (toStore.length === 0) return Promise.resolve({ accepted: 0, duplicates: duplicatesInRequest, rejected, tally });
    // Nobody waits for the answer: storing now would only add work under load (a retry comes anyway).
    if (clientGone()) return Promise.reject(clientGoneError());
    const ids = toStore.map((event) => event.id);
    const types = toStore.map((event) => event.type);
    const appending = this.deps.store.append(telemetryStream(keyDeploymentId), toStore, { expectedRevision: 'any' });
    return settleAppend(appending, ids, types, { rejected, tally, storedByType, duplicatesInRequest });
  }
}

/** Where a request's validation slices wait for their turns: the HTTP server's `eventLoopTurns`. */
export interface IntakeTurns {
  /** Resolves when the next slice may run (in a later event-loop iteration). */
  continue(): Promise<void>;
}

/** About this long per validation slice (~300 events of the usual size). */
export const VALIDATION_SLICE_MS = 3;

function clientGoneError(): IntakeRequestError {
  return new IntakeRequestError(499, 'client_gone', 'The client closed the connection before the events were stored; nothing was stored');
}

interface AdmissionContext {
  keyDeploymentId: string;
  phaseOf(deploymentId: string): DeploymentPhase | undefined;
  now: Date;
}

/** One request's events, validated and admitted in order, as many at a time as a slice allows. */
class Preparation {
  private readonly rejected: IntakeRejection[] = [];
  private readonly tally = new Map<string, number>();
  private readonly toStore: NewEvent[] = [];
  private readonly storedByType = new Map<string, number>();
  private readonly seenInRequest = new Set<string>();
  private duplicatesInRequest = 0;
  private next = 0;

  constructor(
    private items: unknown[],
    private readonly context: AdmissionContext,
    private readonly pseudonymiser: ActorPseudonymiser,
  ) {
    if (items.length > INTAKE_LIMITS.maxEventsPerRequest) {
      throw new IntakeRequestError(
        413,
        'too_many_events',
        `${items.length} events in one request; the limit is ${INTAKE_LIMITS.maxEventsPerRequest}: split the batch`,
      );
    }
  }

  /** Validates events until all are done (true) or the clock passes `deadline` (false; looked at every 16 events). */
  step(deadline: number): boolean {
    const items = this.items;
    while (this.next < items.length) {
      this.admit(items[this.next], this.next);
      this.next += 1;
      if ((this.next & 15) === 0 && performance.now() >= deadline) break;
    }
    if (this.next < items.length) return false;
    this.items = []; // the parsed events are not needed any more
    return true;
  }

  result(): PreparedRequest {
    const { toStore, rejected, tally, storedByType, duplicatesInRequest } = this;
    return { toStore, rejected, tally, storedByType, duplicatesInRequest };
  }

  private admit(item: unknown, index: number): void {
    const id = typeof (item as { id?: unknown })?.id === 'string' ? (item as { id: string }).id : undefined;
    const reject = (reason: IntakeRejection['reason'], message: string, type = 'unknown') => {
      this.rejected.push({ index, ...(id !== undefined && { id }), reason, message });
      add(this.tally, type, 'rejected');
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
    const admission = admitTelemetryEvent(event, this.context);
    if (!admission.admitted) return reject(admission.reason, admission.message, event.type);

    const storeId = telemetryEventId(event.deployment, event.source, event.id);
    if (this.seenInRequest.has(storeId)) {
      this.duplicatesInRequest += 1;
      add(this.tally, event.type, 'duplicate');
      return;
    }
    this.seenInRequest.add(storeId);
    // Every `actor`, whatever its type and on every event type (where the schema has no actor it
    // is an extra field, kept): a non-string is pseudonymised as its JSON, so it never lands raw.
    const actor = (data.value as { actor?: unknown }).actor;
    const stored =
      actor === undefined
        ? event
        : { ...event, data: { ...data.value, actor: this.pseudonymiser.pseudonym(typeof actor === 'string' ? actor : JSON.stringify(actor)) } };
    // The store records arrival time itself (recordedAt), so no per-event metadata is written.
    this.toStore.push(storedEventCodec.encode({ id: storeId, type: event.type, data: stored }));
    this.storedByType.set(event.type, (this.storedByType.get(event.type) ?? 0) + 1);
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
