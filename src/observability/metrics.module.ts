import { Global, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import '../common/fastify-request.js';
import { TenantModule } from '../modules/tenant/tenant.module.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** Feeds every finished request into the metrics, labelled by route template (never the path). */
@Injectable()
class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit() {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (req, reply, done) => {
      this.metrics.observeRequest({
        method: req.method,
        // unmatched paths share one label so scanners cannot create series
        route: req.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        tier: req.tenant?.tier,
        seconds: reply.elapsedTime / 1000,
      });
      done();
    });
  }
}

/**
 * GET /metrics and the MetricsService. Global (infrastructure, like the database module) so
 * feature modules inject MetricsService without importing this module.
 */
@Global()
@Module({
  imports: [TenantModule],
  controllers: [MetricsController],
  providers: [MetricsService, HttpMetricsHook],
  exports: [MetricsService],
})
export class MetricsModule {}
