import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './api-error';

/** Every error from a Nest handler, guard or pipe, as the JSON body of the contract. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const response = toErrorResponse(error);
    if (response.status >= 500) {
      // Method and path only: bodies and headers may carry keys or actor ids.
      this.logger.error({ msg: 'request failed', method: request.method, path: request.routeOptions?.url, error: String(error) });
    }
    void reply.status(response.status).headers(response.headers).send(response.body);
  }
}
