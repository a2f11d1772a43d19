import { Controller, Get, Module, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationFailedError } from '../common/errors.js';
import { requestContext } from '../common/request-context.js';
import { Public, TenantRoute } from '../common/route-scope.js';

/**
 * Diagnostic routes, mounted only with DIAGNOSTIC_ROUTES=true (refused in production). The
 * graceful-shutdown test uses /sleep to have a request in flight, holding a pooled connection
 * inside a tenant transaction, when SIGTERM arrives.
 */
@ApiTags('diagnostics')
@Public()
@TenantRoute()
@Controller('v1/diagnostics')
class DiagnosticsController {
  @Get('sleep')
  @ApiOperation({ summary: 'Sleeps in the database (pg_sleep) inside a tenant transaction; diagnostics only' })
  @ApiQuery({ name: 'seconds', required: false, description: '0–30, default 1' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['slept', 'tenantId'],
      properties: { slept: { type: 'number' }, tenantId: { type: 'string', format: 'uuid' } },
    },
  })
  async sleep(@Query('seconds') raw?: string) {
    const seconds = raw === undefined ? 1 : Number(raw);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > 30) {
      throw new ValidationFailedError([{ field: 'seconds', message: 'seconds must be a number from 0 to 30' }]);
    }
    const em = await requestContext.tenantManager();
    const [row] = await em.query(
      // the tenant as the database verifies it (the setting itself is a signed value)
      'SELECT pg_sleep($1), app.current_tenant_id()::text AS tenant_id',
      [seconds],
    );
    return { slept: seconds, tenantId: row.tenant_id };
  }
}

@Module({ controllers: [DiagnosticsController] })
export class DiagnosticsModule {}
