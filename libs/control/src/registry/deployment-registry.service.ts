import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  evolve,
  initialDeploymentState,
  isDeploymentEvent,
  type DeploymentEvent,
  type RegisteredDeployment,
} from '@baseliner/domain';
import { EVENT_STORE, type EventStore, type EventSubscription, type RecordedEvent } from '@baseliner/event-store';

export const DEPLOYMENT_STREAM_PREFIX = 'deployment-';
export const deploymentStream = (deploymentId: string) => `${DEPLOYMENT_STREAM_PREFIX}${deploymentId}`;

export interface IngestKeyEntry {
  deploymentId: string;
  keyHash: string;
  revoked: boolean;
}

/**
 * The current state of every deployment, folded from the `deployment-*` streams and kept live by
 * a subscription. Intake authenticates keys against it; the control API lists from it and waits
 * on it after a change, so a caller reads its own write.
 */
@Injectable()
export class DeploymentRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeploymentRegistry.name);
  private readonly deployments = new Map<string, RegisteredDeployment>();
  private readonly keys = new Map<string, IngestKeyEntry>();
  private position = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Catches up before the app serves requests, then follows live appends in the background. */
  async onModuleInit(): Promise<void> {
    const head = await this.store.headPosition({ categories: ['deployment'] });
    this.subscription = this.store.subscribeToAll({ fromPosition: 0, categories: ['deployment'] });
    this.running = this.follow(this.subscription);
    await this.waitFor(head);
    this.logger.log({ msg: 'deployment registry ready', deployments: this.deployments.size });
  }

  async onApplicationShutdown(): Promise<void> {
    this.subscription?.close();
    await this.running;
  }

  private async follow(subscription: EventSubscription): Promise<void> {
    try {
      for await (const event of subscription) this.apply(event);
    } catch (error) {
      this.logger.error({ msg: 'deployment registry subscription stopped', error: String(error) });
    }
  }

  private apply(recorded: RecordedEvent): void {
    if (isDeploymentEvent(recorded)) {
      const id = recorded.streamId.slice(DEPLOYMENT_STREAM_PREFIX.length);
      const event = { type: recorded.type, data: recorded.data } as DeploymentEvent;
      const next = evolve(this.deployments.get(id) ?? initialDeploymentState, event);
      if (next.status === 'registered') {
        this.deployments.set(id, next);
        for (const key of Object.values(next.keys)) {
          this.keys.set(key.keyId, { deploymentId: id, keyHash: key.keyHash, revoked: key.revokedAt !== undefined });
        }
      }
    }
    this.position = recorded.position;
    this.waiters = this.waiters.filter((waiter) => {
      if (waiter.position > this.position) return true;
      waiter.resolve();
      return false;
    });
  }

  /** Resolves once the registry has applied the deployment event at `position`. */
  waitFor(position: number): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  get(id: string): RegisteredDeployment | undefined {
    return this.deployments.get(id);
  }

  list(): RegisteredDeployment[] {
    return [...this.deployments.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  findKey(keyId: string): IngestKeyEntry | undefined {
    return this.keys.get(keyId);
  }
}
