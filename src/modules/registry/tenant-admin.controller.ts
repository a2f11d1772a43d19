import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { TenantRoute } from '../../common/route-scope.js';
import { RequirePermission } from '../auth/require-permission.decorator.js';
import { TenantAuditQuery } from './dto/list-tenants.query.js';
import { UpdateTenantSettingsDto } from '../tenant/dto/tenant-settings.dto.js';
import { TenantAdminService } from './tenant-admin.service.js';

@TenantRoute()
@Controller('v1')
export class TenantAdminController {
  constructor(private readonly tenantAdmin: TenantAdminService) {}

  @Patch('tenant/settings')
  @RequirePermission('tenant:manage')
  updateSettings(@Body() body: UpdateTenantSettingsDto) {
    return this.tenantAdmin.updateSettings(body.settings);
  }

  @Get('tenant/stats')
  @RequirePermission('tenant:manage')
  stats() {
    return this.tenantAdmin.stats();
  }

  @Get('audit-logs')
  @RequirePermission('audit:read')
  auditLogs(@Query() query: TenantAuditQuery) {
    return this.tenantAdmin.auditPage(query);
  }
}
