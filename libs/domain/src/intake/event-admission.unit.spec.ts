import type { DeploymentPhase } from '@baseliner/contracts';
import { admitTelemetryEvent } from './event-admission';

const now = new Date('2026-03-01T12:00:00Z');
const phases: Record<string, DeploymentPhase> = { mine: 'live', other: 'live', old: 'retired' };
const context = (keyDeploymentId = 'mine') => ({ keyDeploymentId, phaseOf: (id: string) => phases[id], now });

describe('admitting a well-formed telemetry event', () => {
  it('admits events for the key’s own deployment, backfilled or up to 5 minutes ahead', () => {
    expect(admitTelemetryEvent({ deployment: 'mine', time: '2025-01-01T00:00:00Z' }, context())).toEqual({ admitted: true });
    expect(admitTelemetryEvent({ deployment: 'mine', time: '2026-03-01T12:04:59Z' }, context())).toEqual({ admitted: true });
  });

  it.each([
    [{ deployment: 'ghost', time: '2026-03-01T12:00:00Z' }, 'mine', 'unknown_deployment'],
    [{ deployment: 'other', time: '2026-03-01T12:00:00Z' }, 'mine', 'forbidden'],
    [{ deployment: 'old', time: '2026-03-01T12:00:00Z' }, 'old', 'deployment_retired'],
    [{ deployment: 'mine', time: '2026-03-01T12:05:01Z' }, 'mine', 'time_in_future'],
  ])('rejects %j for a key of %s with %s', (event, keyDeployment, reason) => {
    const admission = admitTelemetryEvent(event, context(keyDeployment));
    expect(admission).toMatchObject({ admitted: false, reason });
  });
});
