import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GetDeploymentHistoryQuery } from '@baseliner/control';
import { APP_CONFIG, CLOCK, type AppConfig, type Clock } from '@baseliner/platform';
import { ProjectorService } from '@baseliner/projector';
import { deploymentSeries } from './deployment-series';
import { sendHtml } from './gzip-html';
import { html } from './html';
import { SignInGate } from './sign-in-gate';
import { deploymentView } from './views/deployment.view';
import { page } from './views/layout';
import { portfolioFilter, portfolioRows, portfolioView } from './views/portfolio.view';

/** The portfolio and each deployment's page, for a signed-in viewer. */
@Controller()
export class PagesController {
  constructor(
    private readonly projector: ProjectorService,
    private readonly gate: SignInGate,
    private readonly queries: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The portfolio, a page of 100 rows at a time (`?page=`), filtered by verdict, phase and a
   * search of ids, names and owners (`?q=`); the verdict counts cover every deployment. A value
   * that cannot be used is ignored and the page says so (never a 4xx or 5xx for a query string).
   */
  @Get()
  async portfolio(@Req() request: FastifyRequest, @Res() reply: FastifyReply, @Query() query?: Record<string, unknown>): Promise<void> {
    const viewer = await this.gate.viewerOf(request, reply);
    if (!viewer) return;
    const now = this.clock.now().getTime();
    const { filter, notes } = portfolioFilter(query);
    const rows = portfolioRows(this.projector.portfolio(), now);
    sendHtml(request, reply, 200, page('Deployments', portfolioView(rows, filter, now, this.projector.heldShards(), notes), viewer));
  }

  @Get('deployments/:id')
  async deployment(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const viewer = await this.gate.viewerOf(request, reply);
    if (!viewer) return;
    const projection = this.projector.projectionOf(id);
    const scorecard = this.projector.scorecard(id);
    const deployment = projection?.lifecycle;
    if (!projection || !scorecard || deployment?.status !== 'registered') {
      const { held, shard } = this.projector.shardOf(id);
      const why = held ? html`No deployment "${id}". <a href="/">See all deployments</a>.` : html`Deployment "${id}" is in shard ${shard}, which another projector holds: open its pages there.`;
      sendHtml(request, reply, 404, page('Not found', html`<h1>Not found</h1><p>${why}</p>`, viewer));
      return;
    }
    const now = this.clock.now();
    const history = await this.queries.execute(new GetDeploymentHistoryQuery(id));
    const body = deploymentView({
      deployment,
      projection,
      scorecard,
      ...deploymentSeries(projection, deployment, scorecard, now),
      history,
      grafanaUrl: this.config.grafanaUrl,
      now: now.getTime(),
    });
    sendHtml(request, reply, 200, page(deployment.name, body, viewer));
  }
}
