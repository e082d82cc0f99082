import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import {
  DEPLOYMENT_STREAM_CATEGORY,
  DEPLOYMENT_STREAM_PREFIX,
  evolve,
  initialDeploymentState,
  toDeploymentEvent,
  type RegisteredDeployment,
} from '@baseliner/domain';
import {
  EVENT_STORE,
  EventStoreUnavailableError,
  type EventStore,
  type EventSubscription,
  type RecordedEvent,
} from '@baseliner/event-store';
import { storedEventCodec } from '@baseliner/platform';

/** How long a control command waits for the registry to see its own append before answering 503. */
const READ_YOUR_WRITE_TIMEOUT_MS = 10_000;
const RESUBSCRIBE_DELAY_MS = 1_000;

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
export class DeploymentRegistry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeploymentRegistry.name);
  private readonly deployments = new Map<string, RegisteredDeployment>();
  private readonly keys = new Map<string, IngestKeyEntry>();
  private position = 0;
  private waiters: { position: number; resolve: () => void }[] = [];
  private subscription: EventSubscription | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /** Catches up before the app serves requests, then follows live appends in the background. */
  async onModuleInit(): Promise<void> {
    const head = await this.store.headPosition({ categories: [DEPLOYMENT_STREAM_CATEGORY] });
    this.running = this.follow();
    await this.waitFor(head, Infinity);
    this.logger.log({ msg: 'deployment registry ready', deployments: this.deployments.size });
  }

  // Before the event store closes (that is its onApplicationShutdown): the subscription ends cleanly.
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.subscription?.close();
    await this.running;
  }

  /** Follows the lifecycle streams; after a read error, resubscribes from where it stopped. */
  private async follow(): Promise<void> {
    while (!this.stopped) {
      this.subscription = this.store.subscribeToAll({ fromPosition: this.position, categories: [DEPLOYMENT_STREAM_CATEGORY] });
      try {
        for await (const event of this.subscription) this.apply(event);
      } catch (error) {
        this.logger.error({ msg: 'deployment registry subscription failed; resubscribing', error: (error as Error).name });
        await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_DELAY_MS));
      }
    }
  }

  private apply(recorded: RecordedEvent): void {
    const event = toDeploymentEvent(storedEventCodec.decode(recorded));
    if (event) {
      const id = recorded.streamId.slice(DEPLOYMENT_STREAM_PREFIX.length);
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

  /** Resolves once the registry has applied the deployment event at `position`; 503 if it cannot in time. */
  waitFor(position: number, timeoutMs = READ_YOUR_WRITE_TIMEOUT_MS): Promise<void> {
    if (this.position >= position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(() => {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            reject(new EventStoreUnavailableError('The deployment registry is behind the event store; the change is stored, retry the read'));
          }, timeoutMs)
        : undefined;
      this.waiters.push(waiter);
    });
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
