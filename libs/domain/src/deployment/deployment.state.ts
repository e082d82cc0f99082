import type { Criterion, DeploymentPhase } from '@baseliner/contracts';
import type {
  BaselineWindowSetData,
  CriteriaRevisedData,
  DeploymentEvent,
  DeploymentRegisteredData,
  IngestKeyIssuedData,
  IngestKeyRevokedData,
  RetiredData,
  RolledBackData,
  WentLiveData,
} from './deployment.events';

/** An issued key (its event's data) and, once revoked, when. */
export interface IngestKeyRecord extends IngestKeyIssuedData {
  revokedAt?: IngestKeyRevokedData['revokedAt'];
}

/** A revision of the criteria after go-live (its event's data, `revisedAt` as `at`). */
export interface CriteriaRevision extends Pick<CriteriaRevisedData, 'reason' | 'criteria'> {
  at: CriteriaRevisedData['revisedAt'];
}

/** Registered: what the registration said, and what the later events made of it. */
export interface RegisteredDeployment extends DeploymentRegisteredData {
  status: 'registered';
  phase: DeploymentPhase;
  criteria: Criterion[];
  /** Revisions made after go-live: kept and shown, because moving goalposts must be visible. */
  criteriaRevisions: CriteriaRevision[];
  baselineWindow?: Pick<BaselineWindowSetData, 'from' | 'to'>;
  /** The first go-live: the whole deployment's, or its first wave's. */
  wentLiveAt?: WentLiveData['at'];
  /**
   * Waves of a staggered go-live, in the order recorded: the segments that went live at each
   * `at`. Absent when the whole deployment went live at once.
   */
  waves?: Required<Pick<WentLiveData, 'at' | 'segments'>>[];
  rolledBack?: Pick<RolledBackData, 'at' | 'reason'>;
  retired?: RetiredData;
  keys: Record<string, IngestKeyRecord>;
}

export type DeploymentState = { status: 'unregistered' } | RegisteredDeployment;

export const initialDeploymentState: DeploymentState = { status: 'unregistered' };

function registered(state: DeploymentState, type: string): RegisteredDeployment {
  if (state.status !== 'registered') throw new Error(`${type} before DeploymentRegistered`);
  return state;
}

export function evolve(state: DeploymentState, event: DeploymentEvent): DeploymentState {
  switch (event.type) {
    case 'DeploymentRegistered': {
      const { registeredAt, ...rest } = event.data;
      return { status: 'registered', ...rest, registeredAt, phase: 'registered', criteria: [], criteriaRevisions: [], keys: {} };
    }
    case 'CriteriaDefined':
      return { ...registered(state, event.type), criteria: event.data.criteria };
    case 'CriteriaRevised': {
      const current = registered(state, event.type);
      const revision = { at: event.data.revisedAt, reason: event.data.reason, criteria: event.data.criteria };
      return { ...current, criteria: event.data.criteria, criteriaRevisions: [...current.criteriaRevisions, revision] };
    }
    case 'BaselineWindowSet':
      return { ...registered(state, event.type), baselineWindow: { from: event.data.from, to: event.data.to } };
    case 'WentLive': {
      const current = registered(state, event.type);
      const { at, segments } = event.data;
      const waves = segments ? [...(current.waves ?? []), { at, segments }] : current.waves;
      if (current.phase !== 'registered') return { ...current, ...(waves && { waves }) };
      return { ...current, phase: 'live', wentLiveAt: at, ...(waves && { waves }) };
    }
    case 'RolledBack':
      return {
        ...registered(state, event.type),
        phase: 'rolled_back',
        rolledBack: { at: event.data.at, reason: event.data.reason },
      };
    case 'Retired':
      return { ...registered(state, event.type), phase: 'retired', retired: { ...event.data } };
    case 'IngestKeyIssued': {
      const current = registered(state, event.type);
      return { ...current, keys: { ...current.keys, [event.data.keyId]: { ...event.data } } };
    }
    case 'IngestKeyRevoked': {
      const current = registered(state, event.type);
      const key = current.keys[event.data.keyId];
      if (!key) return current;
      return { ...current, keys: { ...current.keys, [key.keyId]: { ...key, revokedAt: event.data.revokedAt } } };
    }
    default: {
      const unhandled: never = event;
      throw new Error(`Unhandled deployment event ${JSON.stringify(unhandled)}`);
    }
  }
}

export function foldDeployment(events: Iterable<DeploymentEvent>, from: DeploymentState = initialDeploymentState): DeploymentState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
