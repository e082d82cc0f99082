import { isTelemetryEventType, type TelemetryEvent } from '@baseliner/contracts';
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, type DeploymentProjection } from '@baseliner/analytics';
import { isDeploymentEvent, type DeploymentEvent } from '@baseliner/domain';
import type { RecordedEvent } from '@baseliner/event-store';

/** Everything the projector knows, with the position of the last event folded into it. */
export interface ProjectionState {
  checkpoint: number;
  deployments: Record<string, DeploymentProjection>;
}

export function emptyProjectionState(): ProjectionState {
  return { checkpoint: 0, deployments: {} };
}

const DEPLOYMENT_PREFIX = 'deployment-';
const TELEMETRY_PREFIX = 'telemetry-';

/** Folds one stored event into the state; streams other than deployment-* and telemetry-* are skipped. */
export function applyRecordedEvent(state: ProjectionState, event: RecordedEvent): void {
  const { streamId } = event;
  if (streamId.startsWith(DEPLOYMENT_PREFIX)) {
    if (isDeploymentEvent(event)) {
      const id = streamId.slice(DEPLOYMENT_PREFIX.length);
      const projection = (state.deployments[id] ??= emptyProjection(id));
      applyLifecycleEvent(projection, { type: event.type, data: event.data } as DeploymentEvent);
    }
  } else if (streamId.startsWith(TELEMETRY_PREFIX) && isTelemetryEventType(event.type)) {
    const projection = state.deployments[streamId.slice(TELEMETRY_PREFIX.length)];
    // Intake accepts events only for registered deployments, so the lifecycle is always first.
    if (projection) applyTelemetryEvent(projection, event.data as TelemetryEvent);
  }
  state.checkpoint = event.position;
}
