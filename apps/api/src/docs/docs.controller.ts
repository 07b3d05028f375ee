import { Controller, Get, Header } from '@nestjs/common';
import { withExamples } from './openapi-examples';

const SWAGGER_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Portolan REST API</title>
<link rel="stylesheet" href="/_assets/swagger/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/_assets/swagger/swagger-ui-bundle.js"></script>
<script src="/_assets/portolan/swagger-init.js"></script>
</body></html>`;

/** The REST API's OpenAPI document and a Swagger UI served from this server's own assets. */
@Controller('docs')
export class DocsController {
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return SWAGGER_HTML;
  }

  private readonly document = withExamples();

  @Get('openapi.json')
  spec(): unknown {
    return this.document;
  }
}
