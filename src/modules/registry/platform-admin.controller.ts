import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PlatformRoute } from '../../common/route-scope.js';
import { PlatformAuditPageDto, SubdomainAvailabilityDto } from './dto/registry-views.dto.js';
import { PlatformAuditQuery } from './dto/list-tenants.query.js';
import { RegistryService } from './registry.service.js';

@ApiTags('admin')
@PlatformRoute()
@Controller('v1/admin')
export class PlatformAdminController {
  constructor(private readonly registry: RegistryService) {}

  /** Availability with the reason: format, reserved or taken. */
  @Get('subdomains/:subdomain')
  @ApiOperation({ summary: 'Whether a subdomain is available, and if not why' })
  @ApiOkResponse({ type: SubdomainAvailabilityDto })
  subdomain(@Param('subdomain') subdomain: string) {
    return this.registry.subdomainAvailability(subdomain);
  }

  @Get('audit-logs')
  @ApiOperation({ summary: 'A page of the platform audit trail, newest first' })
  @ApiOkResponse({ type: PlatformAuditPageDto })
  auditLogs(@Query() query: PlatformAuditQuery) {
    return this.registry.auditPage(query);
  }
}
