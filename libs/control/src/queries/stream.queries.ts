import { Inject, Module } from '@nestjs/common';
import { CqrsModule, Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { deploymentStream, foldViewerTokens, toDeploymentEvent, VIEWER_TOKENS_STREAM, type RecordedDeploymentEvent, type ViewerTokens } from '@baseliner/domain';
import { EVENT_STORE, type EventStore } from '@baseliner/event-store';
import { storedEventCodec } from '@baseliner/platform';

/** Every viewer token ever issued, by id, with its hash and any revocation: the API lists them, the pages check sign-ins against them. */
export class ListViewerTokensQuery extends Query<ViewerTokens> {}

/** A deployment's lifecycle events as recorded, oldest first (the deployment page's timeline). */
export class GetDeploymentHistoryQuery extends Query<RecordedDeploymentEvent[]> {
  constructor(readonly deploymentId: string) {
    super();
  }
}

@QueryHandler(ListViewerTokensQuery)
export class ListViewerTokensHandler implements IQueryHandler<ListViewerTokensQuery, ViewerTokens> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute(): Promise<ViewerTokens> {
    return foldViewerTokens((await this.store.readStream(VIEWER_TOKENS_STREAM)).map((e) => storedEventCodec.decode(e)));
  }
}

@QueryHandler(GetDeploymentHistoryQuery)
export class GetDeploymentHistoryHandler implements IQueryHandler<GetDeploymentHistoryQuery, RecordedDeploymentEvent[]> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ deploymentId }: GetDeploymentHistoryQuery): Promise<RecordedDeploymentEvent[]> {
    return (await this.store.readStream(deploymentStream(deploymentId))).flatMap((recorded) => {
      const event = toDeploymentEvent(storedEventCodec.decode(recorded));
      return event ? [{ event, recordedAt: recorded.recordedAt }] : [];
    });
  }
}

/**
 * The reads of the control streams that the API and the pages share. They need only the event
 * store, not the deployment registry, so the projector app (pages, no control API) imports this
 * module alone.
 */
@Module({ imports: [CqrsModule], providers: [ListViewerTokensHandler, GetDeploymentHistoryHandler] })
export class StreamQueriesModule {}
