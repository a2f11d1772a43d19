import { Body, Controller, Get, Patch, Query } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantRoute } from '../../common/route-scope.js';
import { TenantDto } from '../tenant/dto/tenant.dto.js';
import { AuditPageDto, TenantStatsDto } from './dto/registry-views.dto.js';
import { RequirePermission } from '../auth/require-permission.decorator.js';
import { TenantAuditQuery } from './dto/list-tenants.query.js';
import { UpdateTenantSettingsDto } from '../tenant/dto/tenant-settings.dto.js';
import { TenantAdminService } from './tenant-admin.service.js';

@ApiTags('tenant')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@Controller('v1')
export class TenantAdminController {
  constructor(private readonly tenantAdmin: TenantAdminService) {}

  @Patch('tenant/settings')
  @ApiOperation({ summary: "Merge-patch the tenant's settings (a null value removes a key)" })
  @ApiOkResponse({ type: TenantDto })
  @RequirePermission('tenant:manage')
  updateSettings(@Body() body: UpdateTenantSettingsDto) {
    return this.tenantAdmin.updateSettings(body.settings);
  }

  @Get('tenant/stats')
  @ApiOperation({ summary: 'Counts of users, resources, resources shared with the tenant and audit entries' })
  @ApiOkResponse({ type: TenantStatsDto })
  @RequirePermission('tenant:manage')
  stats() {
    return this.tenantAdmin.stats();
  }

  @Get('audit-logs')
  @ApiOperation({ summary: "A page of the tenant's audit trail, newest first" })
  @ApiOkResponse({ type: AuditPageDto })
  @RequirePermission('audit:read')
  auditLogs(@Query() query: TenantAuditQuery) {
    return this.tenantAdmin.auditPage(query);
  }
}
