import type { Logger } from '@nestjs/common';
import type { ProjectionState } from './projection-state';
import type { ProjectionSnapshots } from './snapshot-store';

/** Deployments snapshotted per turn of the event loop, so a pass never stalls requests for long. */
const SNAPSHOT_CHUNK = 10;

/**
 * Saves the deployments changed since their last save, a few per turn of the event loop, each
 * with the checkpoint it includes; the pass's start becomes the restart position once all of
 * them are written.
 */
export class IncrementalSnapshots {
  /** Whether the last pass failed (a full disk, an I/O error). */
  failing = false;
  private snapshotting: Promise<void> | undefined;

  constructor(
    private readonly snapshots: ProjectionSnapshots,
    private readonly state: () => ProjectionState,
    private readonly logger: Logger,
  ) {}

  /** One pass, or the pass under way. */
  snapshot(): Promise<void> {
    this.snapshotting ??= this.pass().finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  /** Waits for a pass under way (it saves what was dirty when it started), then saves the rest. */
  async saveRest(): Promise<void> {
    await this.snapshotting;
    await this.snapshot();
  }

  /** Never rejects: it runs from a timer, and a full disk must not take the process down. What it could not save stays dirty. */
  private async pass(): Promise<void> {
    const started = Date.now();
    const state = this.state();
    const passStart = state.checkpoint;
    const ids = [...state.dirty];
    state.dirty.clear();
    let bytes = 0;
    let saved = 0;
    try {
      for (let i = 0; i < ids.length || i === 0; i += SNAPSHOT_CHUNK) {
        const chunk = ids.slice(i, i + SNAPSHOT_CHUNK).flatMap((id) => {
          const projection = state.deployments[id];
          return projection ? [{ projection, checkpoint: state.checkpoint }] : [];
        });
        const last = i + SNAPSHOT_CHUNK >= ids.length;
        bytes += await this.snapshots.saveDeployments(chunk, last ? passStart : undefined, state.shards);
        saved = Math.min(ids.length, i + SNAPSHOT_CHUNK);
        if (!last) await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (error) {
      for (const id of ids.slice(saved)) state.dirty.add(id);
      this.failing = true;
      const { name, code } = error as { name?: string; code?: string };
      this.logger.error({ msg: 'projection snapshot failed; serving from memory, retrying at the next pass', error: code ?? name, unsaved: ids.length - saved });
      return;
    }
    this.failing = false;
    if (ids.length > 0) {
      this.logger.log({ msg: 'projection snapshot saved', deployments: ids.length, shards: state.shards.describe(), resumeFrom: passStart, bytes, ms: Date.now() - started });
    }
  }
}
