import { isTelemetryEventType, type TelemetryEvent } from '@baseliner/contracts';
import { applyLifecycleEvent, applyTelemetryEvent, emptyProjection, type DeploymentProjection } from '@baseliner/analytics';
import { DEPLOYMENT_STREAM_PREFIX, toDeploymentEvent } from '@baseliner/domain';
import type { RecordedEvent } from '@baseliner/event-store';
import { storedEventCodec } from '@baseliner/platform';
import { ShardSet } from './shards';

/** Everything the projector knows, with the position of the last event folded into it. */
export interface ProjectionState {
  checkpoint: number;
  deployments: Record<string, DeploymentProjection>;
  /**
   * Per deployment, the position its projection already includes (from a snapshot): while
   * catching up from an older position, its events up to there are skipped, not applied twice.
   */
  appliedThrough: Record<string, number>;
  /** Deployments changed since they were last snapshotted. */
  dirty: Set<string>;
  /** Deployments changed since they were last evaluated (the projector re-evaluates the rest less often). */
  changed: Set<string>;
  /** The shards this projector holds: events of other deployments pass by unapplied. */
  shards: ShardSet;
}

export function emptyProjectionState(shards: ShardSet = ShardSet.all()): ProjectionState {
  return { checkpoint: 0, deployments: {}, appliedThrough: {}, dirty: new Set(), changed: new Set(), shards };
}

const TELEMETRY_PREFIX = 'telemetry-';

function deploymentOf(streamId: string): string | undefined {
  if (streamId.startsWith(TELEMETRY_PREFIX)) return streamId.slice(TELEMETRY_PREFIX.length);
  if (streamId.startsWith(DEPLOYMENT_STREAM_PREFIX)) return streamId.slice(DEPLOYMENT_STREAM_PREFIX.length);
  return undefined;
}

/** Folds one stored event into the state; streams other than deployment-* and telemetry-* are skipped. */
export function applyRecordedEvent(state: ProjectionState, event: RecordedEvent): void {
  state.checkpoint = event.position;
  const id = deploymentOf(event.streamId);
  if (id === undefined || event.position <= (state.appliedThrough[id] ?? 0) || !state.shards.owns(id)) return;
  const decoded = storedEventCodec.decode(event);
  if (event.streamId.startsWith(DEPLOYMENT_STREAM_PREFIX)) {
    const lifecycleEvent = toDeploymentEvent(decoded);
    if (!lifecycleEvent) return;
    const projection = (state.deployments[id] ??= emptyProjection(id));
    applyLifecycleEvent(projection, lifecycleEvent);
  } else {
    const projection = state.deployments[id];
    // Intake accepts events only for registered deployments, so the lifecycle is always first.
    if (!projection || !isTelemetryEventType(decoded.type)) return;
    applyTelemetryEvent(projection, decoded.data as TelemetryEvent);
  }
  state.dirty.add(id);
  state.changed.add(id);
}
