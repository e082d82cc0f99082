import type {
  BaselineWindowBody,
  DefineCriteriaBody,
  GoLiveBody,
  RegisterDeploymentBody,
  RetireBody,
  RollbackBody,
} from '@baseliner/contracts';
import { INTAKE_LIMITS } from '@baseliner/contracts';
import { criteriaProblems } from './criteria.rules';
import { DomainError } from './domain-error';
import type { DeploymentEvent } from './deployment.events';
import type { DeploymentState, RegisteredDeployment } from './deployment.state';
import { whyOwnerIsNotAPerson } from './owner.rules';

export type DeploymentCommand =
  | { type: 'RegisterDeployment'; data: RegisterDeploymentBody }
  | { type: 'DefineCriteria'; data: DefineCriteriaBody }
  | { type: 'SetBaselineWindow'; data: BaselineWindowBody }
  | { type: 'GoLive'; data: GoLiveBody }
  | { type: 'RollBack'; data: RollbackBody }
  | { type: 'Retire'; data: RetireBody }
  /** The key itself is made outside (randomness is I/O); the deployment only keeps its hash. */
  | { type: 'IssueIngestKey'; data: { keyId: string; keyHash: string } }
  | { type: 'RevokeIngestKey'; data: { keyId: string } };

export interface DecisionContext {
  now: Date;
}

export const DEFAULT_RAMP_UP_DAYS = 7;
export const DEFAULT_TIMEZONE = 'UTC';

function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A timestamp from a request, normalised, and not meaningfully in the future. */
function pastOrPresent(field: string, value: string | undefined, now: Date): string {
  if (value === undefined) return now.toISOString();
  const at = new Date(value);
  if (at.getTime() > now.getTime() + INTAKE_LIMITS.maxClockSkewMs) {
    throw DomainError.invalid(field, `${value} is in the future: give a time at or before now`);
  }
  return at.toISOString();
}

function requireRegistered(state: DeploymentState, action: string): RegisteredDeployment {
  if (state.status !== 'registered') {
    throw new DomainError('not_found', `No deployment with that id: register it before you ${action}`);
  }
  if (state.phase === 'retired') {
    throw new DomainError('conflict', `Deployment ${state.id} is retired and accepts no changes; register a new deployment instead`);
  }
  return state;
}

function rejectCriteria(problems: { field: string; message: string }[]): void {
  if (problems.length) {
    throw new DomainError(
      'validation_failed',
      `The criteria are not valid: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
      problems,
    );
  }
}

export function decide(command: DeploymentCommand, state: DeploymentState, { now }: DecisionContext): DeploymentEvent[] {
  const nowIso = now.toISOString();
  switch (command.type) {
    case 'RegisterDeployment': {
      if (state.status === 'registered') {
        throw new DomainError('conflict', `A deployment with id ${state.id} already exists: choose another id`);
      }
      const body = command.data;
      const ownerProblem = whyOwnerIsNotAPerson(body.owner);
      if (ownerProblem) throw new DomainError('validation_failed', `owner ${ownerProblem.message}`, [ownerProblem]);
      const timezone = body.timezone ?? DEFAULT_TIMEZONE;
      if (!isIanaTimeZone(timezone)) {
        throw DomainError.invalid('timezone', `"${timezone}" is not an IANA time zone; use a name like Europe/Berlin or UTC`);
      }
      if (body.criteria) rejectCriteria(criteriaProblems(body.criteria));
      const events: DeploymentEvent[] = [
        {
          type: 'DeploymentRegistered',
          data: {
            id: body.id,
            name: body.name,
            owner: { name: body.owner.name.trim(), email: body.owner.email.trim() },
            ...(body.workflow !== undefined && { workflow: body.workflow }),
            ...(body.eligibleUsers !== undefined && { eligibleUsers: body.eligibleUsers }),
            timezone,
            rampUpDays: body.rampUpDays ?? DEFAULT_RAMP_UP_DAYS,
            registeredAt: nowIso,
          },
        },
      ];
      if (body.criteria) events.push({ type: 'CriteriaDefined', data: { criteria: body.criteria, definedAt: nowIso } });
      return events;
    }

    case 'DefineCriteria': {
      const deployment = requireRegistered(state, 'define criteria');
      rejectCriteria(criteriaProblems(command.data.criteria));
      const reason = command.data.reason?.trim();
      if (deployment.phase === 'registered') {
        return [{ type: 'CriteriaDefined', data: { criteria: command.data.criteria, ...(reason && { reason }), definedAt: nowIso } }];
      }
      if (!reason) {
        throw DomainError.invalid(
          'reason',
          'is required: the deployment is already live, so revising its criteria must say why (the revision is recorded and shown)',
        );
      }
      return [{ type: 'CriteriaRevised', data: { criteria: command.data.criteria, reason, revisedAt: nowIso } }];
    }

    case 'SetBaselineWindow': {
      const deployment = requireRegistered(state, 'set a baseline window');
      const from = new Date(command.data.from);
      const to = new Date(command.data.to);
      if (from.getTime() >= to.getTime()) throw DomainError.invalid('to', 'must be after from');
      if (to.getTime() > now.getTime() + INTAKE_LIMITS.maxClockSkewMs) {
        throw DomainError.invalid('to', 'is in the future: a baseline describes work already done');
      }
      if (deployment.wentLiveAt && to.getTime() > Date.parse(deployment.wentLiveAt)) {
        throw DomainError.invalid('to', `must be at or before go-live (${deployment.wentLiveAt}): the baseline is the old process`);
      }
      return [{ type: 'BaselineWindowSet', data: { from: from.toISOString(), to: to.toISOString(), setAt: nowIso } }];
    }

    case 'GoLive': {
      const deployment = requireRegistered(state, 'go live');
      const segments = command.data.segments?.map((segment) => segment.trim());
      if (deployment.phase === 'live' && deployment.waves && segments) return nextWave(deployment, segments, command.data.at, now, nowIso);
      if (deployment.phase !== 'registered') {
        throw new DomainError(
          'conflict',
          deployment.waves
            ? `Deployment ${deployment.id} already went live in waves (first at ${deployment.wentLiveAt}); name the segments of the next wave`
            : `Deployment ${deployment.id} already went live at ${deployment.wentLiveAt}; a deployment goes live once (register a new one for a relaunch)`,
        );
      }
      if (deployment.criteria.length === 0) {
        throw new DomainError(
          'conflict',
          `Deployment ${deployment.id} has no success criteria: define what "works" means (PUT /v1/deployments/${deployment.id}/criteria) before going live`,
        );
      }
      const at = pastOrPresent('at', command.data.at, now);
      if (deployment.baselineWindow && Date.parse(deployment.baselineWindow.to) > Date.parse(at)) {
        throw DomainError.invalid('at', `is before the end of the baseline window (${deployment.baselineWindow.to}); go-live comes after the baseline`);
      }
      if (segments) rejectSegmentNames(segments);
      return [{ type: 'WentLive', data: { at, recordedAt: nowIso, ...(segments && { segments }) } }];
    }

    case 'RollBack': {
      const deployment = requireRegistered(state, 'roll back');
      if (deployment.phase !== 'live') {
        throw new DomainError(
          'conflict',
          deployment.phase === 'registered'
            ? `Deployment ${deployment.id} is not live, so there is nothing to roll back`
            : `Deployment ${deployment.id} was already rolled back at ${deployment.rolledBack?.at}`,
        );
      }
      const at = pastOrPresent('at', command.data.at, now);
      if (Date.parse(at) < Date.parse(deployment.wentLiveAt as string)) {
        throw DomainError.invalid('at', `is before go-live (${deployment.wentLiveAt})`);
      }
      return [{ type: 'RolledBack', data: { at, reason: command.data.reason.trim(), recordedAt: nowIso } }];
    }

    case 'Retire': {
      requireRegistered(state, 'retire it');
      return [{ type: 'Retired', data: { at: nowIso, reason: command.data.reason.trim(), outcome: command.data.outcome } }];
    }

    case 'IssueIngestKey': {
      const deployment = requireRegistered(state, 'issue keys');
      if (deployment.keys[command.data.keyId]) throw new DomainError('conflict', `Key ${command.data.keyId} exists`);
      return [{ type: 'IngestKeyIssued', data: { ...command.data, issuedAt: nowIso } }];
    }

    case 'RevokeIngestKey': {
      const deployment = requireRegistered(state, 'revoke keys');
      const key = deployment.keys[command.data.keyId];
      if (!key) throw new DomainError('not_found', `Deployment ${deployment.id} has no key ${command.data.keyId}`);
      if (key.revokedAt) return []; // revoking twice changes nothing
      return [{ type: 'IngestKeyRevoked', data: { keyId: key.keyId, revokedAt: nowIso } }];
    }

    default: {
      const unhandled: never = command;
      throw new Error(`Unhandled command ${JSON.stringify(unhandled)}`);
    }
  }
}

function rejectSegmentNames(segments: string[]): void {
  if (segments.some((segment) => segment === '')) throw DomainError.invalid('segments', 'must not hold an empty name');
  if (new Set(segments).size !== segments.length) throw DomainError.invalid('segments', 'names a segment twice');
}

/** A later wave of a staggered go-live: new segments only, not before the first wave. */
function nextWave(deployment: RegisteredDeployment, segments: string[], requestedAt: string | undefined, now: Date, nowIso: string): DeploymentEvent[] {
  rejectSegmentNames(segments);
  const already = segments.filter((segment) => deployment.waves?.some((wave) => wave.segments.includes(segment)));
  if (already.length > 0) {
    throw new DomainError('conflict', `Segment${already.length > 1 ? 's' : ''} ${already.join(', ')} already went live; a segment goes live once`);
  }
  const at = pastOrPresent('at', requestedAt, now);
  if (Date.parse(at) < Date.parse(deployment.wentLiveAt as string)) {
    throw DomainError.invalid('at', `is before the first wave (${deployment.wentLiveAt}); later waves go live after it`);
  }
  return [{ type: 'WentLive', data: { at, recordedAt: nowIso, segments } }];
}
