import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { FastifyInstance } from 'fastify';
import { StreamQueriesModule } from '@baseliner/control';
import { AssetsController } from './assets.controller';
import { acceptSignInForms } from './form-body';
import { PagesController } from './pages.controller';
import { SignInController } from './sign-in.controller';
import { SignInGate } from './sign-in-gate';
import { ViewerAccess } from './viewer-access';
import { ViewerSessions } from './viewer-sessions';

/** Server-rendered pages over the projector's read models; needs the ProjectorModule in the same app. */
@Module({
  imports: [CqrsModule, StreamQueriesModule],
  controllers: [AssetsController, PagesController, SignInController],
  providers: [ViewerAccess, ViewerSessions, SignInGate],
})
export class WebModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) acceptSignInForms(fastify);
  }
}
