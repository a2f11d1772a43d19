import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../common/openapi.js';
import { Public } from '../common/route-scope.js';
import { DatabaseSessions } from '../database/database-sessions.js';

@ApiTags('meta')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly sessions: DatabaseSessions) {}

  /** The process is alive. */
  @Get()
  @ApiOperation({ summary: 'Liveness: the process is alive' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', example: 'ok' } } } })
  live() {
    return { status: 'ok' };
  }

  /** Both runtime pools answer. Runs no tenant query: `SELECT 1` reads no table. */
  @Get('ready')
  @HttpCode(200)
  @ApiOperation({ summary: 'Readiness: both database pools answer' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', example: 'ok' },
        checks: { type: 'object', properties: { tenantPool: { type: 'string' }, platformPool: { type: 'string' } } },
      },
    },
  })
  @ApiProblem(503, 'service_unavailable')
  async ready() {
    const probe = (ds: { query(sql: string): Promise<unknown> }) =>
      Promise.race([
        ds.query('SELECT 1').then(() => true, () => false),
        new Promise<boolean>((ok) => setTimeout(() => ok(false), 2_000).unref()),
      ]);
    const [tenant, platform] = await Promise.all([
      probe(this.sessions.tenantDataSource),
      probe(this.sessions.platformDataSource),
    ]);
    const checks = { tenantPool: tenant ? 'ok' : 'down', platformPool: platform ? 'ok' : 'down' };
    if (!tenant || !platform) {
      throw new ServiceUnavailableException({ message: 'A database pool does not answer.', checks });
    }
    return { status: 'ok', checks };
  }
}
