import { Controller, Get, Header } from '@nestjs/common';
import { buildOpenApiDocument } from '@baseliner/contracts';

const document = buildOpenApiDocument('1');

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  @Header('cache-control', 'public, max-age=300')
  openapi() {
    return document;
  }
}
