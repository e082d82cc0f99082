import { toCloudEvent, type CloudEvent, type Common, type TaskCompleted } from './events';

/** One typed method per event type; each builds the CloudEvent and queues it with `track`. */
export abstract class EventBuilders {
  /** Queues any CloudEvent. */
  abstract track(event: CloudEvent): CloudEvent;

  /** Where the events come from and what they are about, and the clock for their default time. */
  protected abstract eventContext(): { source: string; deployment: string; now: () => Date };

  taskCompleted(task: TaskCompleted): CloudEvent {
    const { time, id, ...data } = task;
    return this.track(toCloudEvent('task.completed', data, { time, id }, this.eventContext()));
  }
  aiUsed(event: Common & { actor: string; feature?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.used', data, { time, id }, this.eventContext()));
  }
  aiOverridden(event: Common & { actor: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.overridden', data, { time, id }, this.eventContext()));
  }
  aiDisabled(event: Common & { actor?: string; scope?: 'user' | 'team' | 'all' } = {}): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.disabled', data, { time, id }, this.eventContext()));
  }
  aiEnabled(event: Common & { actor?: string; scope?: 'user' | 'team' | 'all' } = {}): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('ai.enabled', data, { time, id }, this.eventContext()));
  }
  escalationRaised(event: Common & { to: 'operator' | 'builder'; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('escalation.raised', data, { time, id }, this.eventContext()));
  }
  errorDownstream(event: Common & { stage: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('error.downstream', data, { time, id }, this.eventContext()));
  }
  feedbackGiven(event: Common & { score: 1 | 2 | 3 | 4 | 5; actor?: string; taskId?: string }): CloudEvent {
    const { time, id, ...data } = event;
    return this.track(toCloudEvent('feedback.given', data, { time, id }, this.eventContext()));
  }
}
