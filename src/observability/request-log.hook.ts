import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import '../common/fastify-request.js';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * Writes one JSON line per request when the response is done: request id, tenant, user, method,
 * route template, status and duration. Never the body, never a header.
 */
@Injectable()
export class RequestLogHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit() {
    // No HTTP adapter in an application context without a server (the CLIs): no requests to log.
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (req, reply, done) => {
      const status = reply.statusCode;
      const line = {
        requestId: String(req.id),
        tenantId: req.tenant?.id,
        userId: req.principal?.subject,
        scope: req.principal?.scope,
        method: req.method,
        route: req.routeOptions.url ?? 'unmatched',
        status,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      };
      // 503 is load shedding (tenant_busy, service_unavailable): expected under a flood, so a
      // warning, not an error; its cause, when the database is gone, is logged by the filter
      if (status === 503) this.logger.warn(line, 'request refused');
      else if (status >= 500) this.logger.error(line, 'request failed');
      else this.logger.info(line, 'request completed');
      done();
    });
  }
}
