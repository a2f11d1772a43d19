import { type INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiResponse, DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ErrorCode, ERRORS, type ErrorCodeName } from './error-codes.js';
import { IS_PUBLIC, ROUTE_SCOPE, type RouteScope } from './route-scope.js';

// How a controller documents itself (the document is generated from these at /docs/openapi.json):
//   @ApiTags('resources')                        on the class: groups the routes in Swagger UI
//   @ApiOperation({ summary: '…' })               on each handler
//   @ApiOkResponse({ type: ResourceDto })         / @ApiCreatedResponse / @ApiNoContentResponse
//   @ApiProblem(404, 'resource_not_found')        errors specific to the route (below)
//   @ApiProperty() on every DTO field             bodies and answers get their schema from DTO classes
// Not needed by hand: the bearer scheme (global; @Public routes get `security: []`), and the
// errors that follow from the route's kind (401/403, tenant resolution, 429, 400/413, 500),
// which addDefaultProblems adds from @Public/@TenantRoute/@PlatformRoute.

/** Every stable error `code` the API answers with, its status and when (docs/api.md "Errors"). */
/** The error table of the OpenAPI description, generated from the one list of codes. */
export const ERROR_CODES: ReadonlyArray<{ code: ErrorCode; status: number; when: string }> = Object.values(ErrorCode)
  .map((code) => ({ code, ...ERRORS[code] }))
  .sort((a, b) => a.status - b.status);

const PROBLEM = 'application/problem+json';
const PROBLEM_REF = { $ref: '#/components/schemas/ProblemDetails' };

const problemResponse = (codes: readonly ErrorCodeName[]) => ({
  description: `Problem details; code: ${codes.join(' | ')}`,
  content: { [PROBLEM]: { schema: PROBLEM_REF } },
  'x-error-codes': codes,
});

/**
 * Documents error answers of one route beyond the defaults every route gets (see
 * `addDefaultProblems`): `@ApiProblem(404, 'resource_not_found')`, `@ApiProblem(409, 'conflict')`.
 */
export const ApiProblem = (status: number, ...codes: ErrorCodeName[]) =>
  ApiResponse({ status, ...problemResponse(codes) });

/** The OpenAPI 3 document of the running app, generated from its controllers. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const table = ERROR_CODES.map((e) => `| ${e.code} | ${e.status} | ${e.when} |`).join('\n');
  const config = new DocumentBuilder()
    .setTitle('Tenancy service')
    .setDescription(
      'Multi-tenant API; tenant isolation is enforced by PostgreSQL row-level security.\n\n' +
        'Tenant routes learn their tenant from the access token, the `X-Tenant-ID` header (id or subdomain) ' +
        'or the Host `<subdomain>.<BASE_DOMAIN>`. Every error is RFC 9457 problem details ' +
        '(`application/problem+json`) with a stable `code`:\n\n| code | status | when |\n|---|---|---|\n' +
        table,
    )
    .setVersion('1.0')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller}_${method}`,
  });
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, ProblemDetails: problemSchema() };
  addDefaultProblems(app, document);
  addDocsPaths(document);
  return document;
}

interface RouteFacts {
  isPublic: boolean;
  scope?: RouteScope;
}

/** Route facts by operation id, read from the decorators Nest itself uses. */
function routeFacts(app: INestApplication): Map<string, RouteFacts> {
  const facts = new Map<string, RouteFacts>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const type = wrapper.metatype as (new (...args: unknown[]) => unknown) | undefined;
      if (!type?.prototype) continue;
      for (const key of Object.getOwnPropertyNames(type.prototype)) {
        const handler = type.prototype[key];
        if (key === 'constructor' || typeof handler !== 'function') continue;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        const read = <T>(k: string): T | undefined =>
          Reflect.getMetadata(k, handler) ?? Reflect.getMetadata(k, type);
        facts.set(`${type.name}_${key}`, {
          isPublic: read<boolean>(IS_PUBLIC) === true,
          scope: read<RouteScope>(ROUTE_SCOPE),
        });
      }
    }
  }
  return facts;
}

/**
 * Adds the error answers that follow from how a route is declared: 401/403 unless @Public, the
 * tenant-resolution errors and 429 on tenant routes, 400/413 where a body or parameters are
 * read, 500 everywhere. Public routes get `security: []`.
 */
function addDefaultProblems(app: INestApplication, document: OpenAPIObject) {
  const facts = routeFacts(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const f = facts.get(op.operationId ?? '') ?? { isPublic: false };
      const add: Record<number, ErrorCodeName[]> = {};
      const push = (status: number, code: ErrorCodeName) => (add[status] ??= []).push(code);
      const hasBody = method === 'post' || method === 'put' || method === 'patch';
      if (hasBody || path.includes('{') || (op.parameters ?? []).length > 0) push(400, 'validation_failed');
      if (hasBody) {
        push(413, 'payload_too_large');
        push(415, 'unsupported_media_type');
      }
      if (f.isPublic) {
        op.security = [];
      } else {
        push(401, 'unauthorized');
        push(403, 'forbidden');
      }
      if (f.scope === 'tenant') {
        push(400, 'tenant_required');
        push(403, 'tenant_mismatch');
        push(403, 'tenant_suspended');
        push(404, 'tenant_not_found');
        push(429, 'rate_limited');
      }
      // answered before routing, so every path can get them
      push(414, 'uri_too_long');
      push(431, 'headers_too_large');
      push(500, 'internal_error');
      if (f.scope) {
        if (f.scope === 'tenant') push(503, 'tenant_busy');
        push(503, 'service_unavailable');
      }
      for (const [status, codes] of Object.entries(add)) {
        const existing = op.responses[status] as { 'x-error-codes'?: ErrorCodeName[] } | undefined;
        const merged = [...new Set([...(existing?.['x-error-codes'] ?? []), ...codes])];
        op.responses[status] = { ...(existing ?? {}), ...problemResponse(merged) };
      }
      for (const status of [429, 503]) {
        if (!add[status]) continue;
        (op.responses[String(status)] as { headers?: object }).headers = {
          'Retry-After': { description: 'Seconds until a request will be allowed', schema: { type: 'integer' } },
        };
      }
    }
  }
}

function addDocsPaths(document: OpenAPIObject) {
  const meta = { tags: ['meta'], security: [] };
  document.paths['/docs'] = {
    get: {
      ...meta,
      operationId: 'docs_ui',
      summary: 'Swagger UI',
      responses: { 200: { description: 'HTML page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  };
  document.paths['/docs/openapi.json'] = {
    get: {
      ...meta,
      operationId: 'docs_openapi',
      summary: 'This OpenAPI 3 document',
      responses: { 200: { description: 'OpenAPI document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
}

function problemSchema() {
  return {
    type: 'object',
    description: 'RFC 9457 problem details',
    required: ['type', 'title', 'status', 'code', 'requestId'],
    properties: {
      type: { type: 'string', example: 'about:blank' },
      title: { type: 'string', example: 'Not Found' },
      status: { type: 'integer', example: 404 },
      code: { type: 'string', enum: ERROR_CODES.map((e) => e.code), example: 'resource_not_found' },
      detail: { type: 'string' },
      instance: {
        type: 'string',
        description: 'the request path; absent when it is over 512 characters or the request was never parsed (414, 431)',
        example: '/v1/resources/8a6e0804-2bd0-4672-b79d-d97027f9071a',
      },
      requestId: { type: 'string' },
      errors: {
        type: 'array',
        description: 'field errors (400 only)',
        items: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  };
}

// Swagger UI assets come from swagger-ui-dist (a dependency of @nestjs/swagger); served here by
// name so no static-file plugin is needed and nothing else under its folder is reachable.
const UI_ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  const swagger = require.resolve('@nestjs/swagger');
  return dirname(require.resolve('swagger-ui-dist/package.json', { paths: [dirname(swagger)] }));
}

// No inline script, so the page works under a CSP with script-src 'self'.
const HTML = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Tenancy service API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/swagger-ui-init.js"></script>
</body></html>`;

const INIT_JS = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout',
  validatorUrl: null, persistAuthorization: false });`;

/**
 * Serves GET /docs (Swagger UI) and GET /docs/openapi.json. Call after app.init() and before
 * the Fastify instance is ready; the document is built once, on first request.
 */
export function setupOpenApi(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  let json: string | undefined;
  const dir = swaggerUiDir();
  const assets = new Map(
    Object.entries(UI_ASSETS).map(([name, type]) => [name, { type, body: readFileSync(join(dir, name)) as Buffer | string }]),
  );
  assets.set('swagger-ui-init.js', { type: 'application/javascript; charset=utf-8', body: INIT_JS });
  fastify.get('/docs/openapi.json', async (_req, reply) => {
    json ??= JSON.stringify(buildOpenApiDocument(app));
    return reply.type('application/json; charset=utf-8').send(json);
  });
  fastify.get('/docs', async (_req, reply) => reply.type('text/html; charset=utf-8').send(HTML));
  fastify.get<{ Params: { asset: string } }>('/docs/:asset', async (req, reply) => {
    const asset = assets.get(req.params.asset);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('Cache-Control', 'public, max-age=86400').send(asset.body);
  });
}

