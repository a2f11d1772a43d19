import { Controller, Get } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { TenantRoute } from '../../common/route-scope.js';
import { TenantDto } from './dto/tenant.dto.js';
import { TenantService } from './tenant.service.js';

@ApiTags('tenant')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@Controller('v1/tenant')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Get()
  @ApiOperation({ summary: 'The tenant of this request' })
  @ApiOkResponse({ type: TenantDto })
  current() {
    return this.tenants.current();
  }
}
