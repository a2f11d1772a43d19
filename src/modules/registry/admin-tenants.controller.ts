import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { PlatformRoute } from '../../common/route-scope.js';
import { IdParam } from '../../common/id.param.js';
import { ListTenantsQuery } from './dto/list-tenants.query.js';
import { SuspendTenantDto, UpdateTenantDto } from './dto/update-tenant.dto.js';
import { RegistryService } from './registry.service.js';

/** The tenant registry for platform admins (creation and provisioning: provisioning module). */
@PlatformRoute()
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  list(@Query() query: ListTenantsQuery) {
    return this.registry.list(query);
  }

  @Get(':id')
  get(@Param() { id }: IdParam) {
    return this.registry.get(id);
  }

  @Patch(':id')
  update(@Param() { id }: IdParam, @Body() body: UpdateTenantDto) {
    return this.registry.update(id, body);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  suspend(@Param() { id }: IdParam, @Body() body: SuspendTenantDto) {
    return this.registry.suspend(id, body?.reason);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  reactivate(@Param() { id }: IdParam) {
    return this.registry.reactivate(id);
  }

  @Delete(':id')
  remove(@Param() { id }: IdParam) {
    return this.registry.softDelete(id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  restore(@Param() { id }: IdParam) {
    return this.registry.restore(id);
  }
}
