import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PAGES_CSS } from './views/pages.css';

const FAVICON_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fbf"/><path d="M3 11h10M3 7h6" stroke="#fff" stroke-width="2"/></svg>';

/** The pages' stylesheet and icon: public, cached, the same for everyone. */
@Controller('assets')
export class AssetsController {
  @Get('pages.css')
  stylesheet(@Res() reply: FastifyReply): void {
    void reply.headers({ 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }).send(PAGES_CSS);
  }

  @Get('favicon.svg')
  favicon(@Res() reply: FastifyReply): void {
    void reply.headers({ 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400', 'x-content-type-options': 'nosniff' }).send(FAVICON_SVG);
  }
}
