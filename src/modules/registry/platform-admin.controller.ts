import { Controller, Get, Param, Query } from '@nestjs/common';
import { PlatformRoute } from '../../common/route-scope.js';
import { PlatformAuditQuery } from './dto/list-tenants.query.js';
import { RegistryService } from './registry.service.js';

@PlatformRoute()
@Controller('v1/admin')
export class PlatformAdminController {
  constructor(private readonly registry: RegistryService) {}

  /** Availability with the reason: format, reserved or taken. */
  @Get('subdomains/:subdomain')
  subdomain(@Param('subdomain') subdomain: string) {
    return this.registry.subdomainAvailability(subdomain);
  }

  @Get('audit-logs')
  auditLogs(@Query() query: PlatformAuditQuery) {
    return this.registry.auditPage(query);
  }
}
