import { INTAKE_LIMITS, type DeploymentPhase, type RejectionReason } from '@baseliner/contracts';

export interface AdmissionContext {
  /** The deployment the ingest key belongs to: a key writes only its own deployment. */
  keyDeploymentId: string;
  /** The phase of a registered deployment, or undefined when none has that id. */
  phaseOf(deploymentId: string): DeploymentPhase | undefined;
  now: Date;
}

export type Admission = { admitted: true } | { admitted: false; reason: RejectionReason; message: string };

/**
 * Whether a well-formed event may be stored. Event time may be far in the past (backfill) but
 * not ahead of the clock: an event from the future would sit in a window that has not happened.
 */
export function admitTelemetryEvent(event: { deployment: string; time: string }, context: AdmissionContext): Admission {
  const phase = context.phaseOf(event.deployment);
  if (phase === undefined) {
    return {
      admitted: false,
      reason: 'unknown_deployment',
      message: `No deployment "${event.deployment}" is registered; check the deployment attribute`,
    };
  }
  if (event.deployment !== context.keyDeploymentId) {
    return {
      admitted: false,
      reason: 'forbidden',
      message: `This key belongs to deployment "${context.keyDeploymentId}" and cannot write "${event.deployment}"; use that deployment's key`,
    };
  }
  if (phase === 'retired') {
    return {
      admitted: false,
      reason: 'deployment_retired',
      message: `Deployment "${event.deployment}" is retired and accepts no more events`,
    };
  }
  const ahead = Date.parse(event.time) - context.now.getTime();
  if (ahead > INTAKE_LIMITS.maxClockSkewMs) {
    return {
      admitted: false,
      reason: 'time_in_future',
      message: `time ${event.time} is ${Math.round(ahead / 1000)} s ahead of the server clock (${context.now.toISOString()}); send the time the event happened, with its offset`,
    };
  }
  return { admitted: true };
}
