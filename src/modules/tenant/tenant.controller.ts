import { Controller, Get } from '@nestjs/common';
import { TenantRoute } from '../../common/route-scope.js';
import { TenantService } from './tenant.service.js';

@TenantRoute()
@Controller('v1/tenant')
export class TenantController {
  constructor(private readonly tenants: TenantService) {}

  @Get()
  current() {
    return this.tenants.current();
  }
}
