import { Global, Injectable, Logger, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import '../common/fastify-request.js';
import { AppConfig } from '../config/app-config.js';
import { TenantModule } from '../modules/tenant/tenant.module.js';
import { MetricsTokenGuard } from './metrics-access.js';
import { MetricsListener } from './metrics-listener.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/**
 * Feeds every finished request into the metrics, labelled by route template (never the path);
 * warns at boot when /metrics is left open in production.
 */
@Injectable()
class HttpMetricsHook implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit() {
    const { port, token } = this.config.metrics;
    if (this.config.isProduction && port === undefined && !token) {
      new Logger('Metrics').warn('GET /metrics is open on the main port: set METRICS_PORT (private interface) or METRICS_TOKEN');
    }
    // No HTTP adapter in an application context without a server (the CLIs): nothing to observe.
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
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
 * feature modules inject MetricsService without importing this module. /metrics is served on the
 * main port, or with METRICS_PORT only on its own listener; METRICS_TOKEN protects either.
 */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: AppConfig): DynamicModule {
    const ownPort = config.metrics.port !== undefined;
    return {
      module: MetricsModule,
      imports: [TenantModule],
      controllers: ownPort ? [] : [MetricsController],
      providers: [MetricsService, HttpMetricsHook, ...(ownPort ? [MetricsListener] : [MetricsTokenGuard])],
      exports: [MetricsService],
    };
  }
}
