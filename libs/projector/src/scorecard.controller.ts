import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AdminTokenGuard, ApiError } from '@baseliner/platform';
import { ProjectorService } from './projector.service';

@Controller('v1/deployments')
@UseGuards(AdminTokenGuard)
export class ScorecardController {
  constructor(private readonly projector: ProjectorService) {}

  /** Evaluated at request time, after the projector has folded in what is stored (up to 2 s). */
  @Get(':id/scorecard')
  async scorecard(@Param('id') id: string) {
    await this.projector.catchUp(2_000);
    const card = this.projector.scorecard(id);
    if (!card) {
      const { held, shard, shards } = this.projector.shardOf(id);
      if (!held) {
        throw new ApiError(404, 'not_found', `Deployment "${id}" is in shard ${shard}, which another projector holds (this one holds ${shards}); ask that projector`);
      }
      throw new ApiError(404, 'not_found', `No deployment "${id}"; GET /v1/deployments lists them`);
    }
    return card;
  }
}
