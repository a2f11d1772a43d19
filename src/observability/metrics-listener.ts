import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app-config.js';
import { bearerMatches } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

/**
 * GET /metrics on its own port (METRICS_PORT, bound to METRICS_HOST), so the scrape endpoint can
 * live on a private interface the load balancer never forwards to. A plain node:http server:
 * nothing else is served there, and it runs outside the app's middleware and request metrics.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** the bound port (METRICS_PORT=0 picks a free one) */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { port, host } = this.config.metrics;
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics on http://${host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return problem(res, undefined, 404, 'Not Found', 'route_not_found', 'Only /metrics is served here.');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return problem(res, path, 405, 'Method Not Allowed', 'method_not_allowed', 'Use GET.');
    }
    const token = this.config.metrics.token;
    if (token && !bearerMatches(token, req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return problem(res, path, 401, 'Unauthorized', 'unauthorized', 'GET /metrics needs the metrics bearer token.');
    }
    try {
      const body = await this.metrics.render();
      res.writeHead(200, { 'Content-Type': this.metrics.contentType });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      this.logger.error(`rendering metrics failed: ${err instanceof Error ? err.message : String(err)}`);
      problem(res, path, 500, 'Internal Server Error', 'internal_error');
    }
  }
}

// the problem+json shape of the app's filter; a path other than /metrics is not echoed
function problem(res: ServerResponse, instance: string | undefined, status: number, title: string, code: string, detail?: string) {
  const body = { type: 'about:blank', title, status, code, ...(detail ? { detail } : {}), ...(instance ? { instance } : {}), requestId: randomUUID() };
  res.writeHead(status, { 'Content-Type': 'application/problem+json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
