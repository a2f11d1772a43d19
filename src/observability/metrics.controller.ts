import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblem } from '../common/openapi.js';
import { Public } from '../common/route-scope.js';
import { MetricsTokenGuard } from './metrics-access.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('meta')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description: 'With METRICS_TOKEN set, needs `Authorization: Bearer <METRICS_TOKEN>`; with METRICS_PORT set, served only on that port.',
  })
  @ApiProduces('text/plain')
  @ApiResponse({ status: 200, description: 'Metrics in the Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiProblem(401, 'unauthorized')
  @UseGuards(MetricsTokenGuard)
  async scrape(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('Content-Type', this.metrics.contentType);
    return this.metrics.render();
  }
}
