import helmet from 'helmet';
import { Logger, type DynamicModule, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppOptions } from './app.module.js';
import { answerClientError, answerFrameworkError, guardRequestLine } from './common/http-limits.js';
import { createJsonBodyParser } from './common/json-body.js';
import { setupOpenApi } from './common/openapi.js';
import { ServiceLogger } from './observability/logging.js';
import { ROOT_LOGGER } from './observability/request-log.hook.js';
import { routeTableOf } from './common/route-table.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateAppOptions extends AppOptions {
  /** Nest's logger; default: pino (nestjs-pino). `false` silences Nest's own lines. */
  logger?: LoggerService | false;
  /** extra modules (the benchmark harness and tests add routes this way) */
  extraModules?: DynamicModule['imports'];
}

export interface RegisteredRoute {
  method: string;
  url: string;
}

const routesByApp = new WeakMap<NestFastifyApplication, RegisteredRoute[]>();

/** Every route registered on the app's Fastify instance (method + URL template). */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  return routesByApp.get(app) ?? [];
}

/** Builds the Nest application on Fastify (not listening yet). */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const limits = config.inputLimits;
  const problemLogger = new Logger('Problem');
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Node counts the request line with the headers: past maxHeaderSize it never becomes a
    // request, and clientErrorHandler answers 414 or 431 on the socket itself.
    http: { maxHeaderSize: limits.maxHeaderBytes },
    clientErrorHandler: answerClientError(limits),
    // Route parameters are bounded by the URL limit (414), not by find-my-way's default of 100
    // characters; the router's own refusals (bad URL, over-long parameter) answer problem+json.
    // `/v1/tenant/` is `/v1/tenant`.
    routerOptions: { maxParamLength: limits.maxUrlBytes, ignoreTrailingSlash: true },
    frameworkErrors: (err: Error, req: FastifyRequest, reply: FastifyReply) => answerFrameworkError(err, req, reply, problemLogger),
    // Echo a sane incoming X-Request-Id, else make one.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logger: false,
    return503OnClosing: true,
  });
  const fastify = adapter.getInstance();
  const routes: RegisteredRoute[] = [];
  const routeTable = routeTableOf(fastify);
  fastify.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) {
      routes.push({ method, url: r.url });
      routeTable.add(method, r.url);
    }
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.header('X-Request-Id', req.id);
    // URL over the limit (414), NUL in the query string (400)
    guardRequestLine(req, limits, done);
  });
  // application/json (any parameters) is the only body type: every other one, text/plain and
  // forms included, answers 415. Nest's own parsers are off (bodyParser: false below).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    createJsonBodyParser(
      { maxDepth: limits.bodyMaxDepth, maxKeys: limits.bodyMaxKeys },
      fastify.getDefaultJsonParser('error', 'error'),
    ),
  );
  const root = AppModule.forRoot(options);
  root.imports = [...(root.imports ?? []), ...(options.extraModules ?? [])];
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: options.logger ?? false,
    bufferLogs: options.logger === undefined,
    abortOnError: false,
    bodyParser: false,
  });
  routesByApp.set(app, routes);
  if (options.logger === undefined) app.useLogger(new ServiceLogger(app.get(ROOT_LOGGER), app.get(PinoNestLogger)));

  // Security headers: helmet's middleware, built once. (@fastify/helmet builds a new one, parsing
  // the CSP directives again, on every request: 20–40 µs each in bench scenario 1's profile.)
  const securityHeaders = helmet({
    // Swagger UI (/docs) loads only its own scripts and styles; its styles need inline style
    // attributes. No upgrade-insecure-requests: the service is often reached over plain HTTP locally.
    contentSecurityPolicy: {
      useDefaults: true,
      directives: { 'upgrade-insecure-requests': null, 'img-src': ["'self'", 'data:'] },
    },
    // answers are JSON for API clients on other origins; CORS decides who may read them
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) =>
      securityHeaders(request.raw, reply.raw, (err) => done(err as Error | undefined)),
    );
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Tenant-ID', 'X-Request-Id', 'Idempotency-Key'],
      exposedHeaders: ['X-Request-Id', 'X-Tenant-ID', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining'],
      maxAge: 600,
    });
  }

  try {
    await app.init();
    setupOpenApi(app);
  } catch (err) {
    // e.g. the start-up self-check refused: close the pools that were opened
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
