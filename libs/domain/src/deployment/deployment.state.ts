import type { Criterion, DeploymentPhase, Owner, RetirementOutcome } from '@baseliner/contracts';
import type { DeploymentEvent } from './deployment.events';

export interface IngestKeyRecord {
  keyId: string;
  keyHash: string;
  issuedAt: string;
  revokedAt?: string;
}

export interface RegisteredDeployment {
  status: 'registered';
  id: string;
  name: string;
  owner: Owner;
  workflow?: string;
  eligibleUsers?: number;
  timezone: string;
  rampUpDays: number;
  registeredAt: string;
  phase: DeploymentPhase;
  criteria: Criterion[];
  /** Revisions made after go-live: kept and shown, because moving goalposts must be visible. */
  criteriaRevisions: { at: string; reason: string; criteria: Criterion[] }[];
  baselineWindow?: { from: string; to: string };
  /** The first go-live: the whole deployment's, or its first wave's. */
  wentLiveAt?: string;
  /**
   * Waves of a staggered go-live, in the order recorded: the segments that went live at each
   * `at`. Absent when the whole deployment went live at once.
   */
  waves?: { at: string; segments: string[] }[];
  rolledBack?: { at: string; reason: string };
  retired?: { at: string; reason: string; outcome: RetirementOutcome };
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
