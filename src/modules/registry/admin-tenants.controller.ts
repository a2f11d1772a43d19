import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute } from '../../common/route-scope.js';
import { TenantDto } from '../tenant/dto/tenant.dto.js';
import { TenantPageDto } from './dto/registry-views.dto.js';
import { IdParam } from '../../common/id.param.js';
import { ListTenantsQuery } from './dto/list-tenants.query.js';
import { SuspendTenantDto, UpdateTenantDto } from './dto/update-tenant.dto.js';
import { RegistryService } from './registry.service.js';

/** The tenant registry for platform admins (creation and provisioning: provisioning module). */
@ApiTags('admin-tenants')
@PlatformRoute()
@Controller('v1/admin/tenants')
export class AdminTenantsController {
  constructor(private readonly registry: RegistryService) {}

  @Get()
  @ApiOperation({ summary: 'A page of tenants, filtered by status, tier, type or a search' })
  @ApiOkResponse({ type: TenantPageDto })
  list(@Query() query: ListTenantsQuery) {
    return this.registry.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One tenant' })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  get(@Param() { id }: IdParam) {
    return this.registry.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a tenant's company name, tier, type or metadata" })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  update(@Param() { id }: IdParam, @Body() body: UpdateTenantDto) {
    return this.registry.update(id, body);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: "Suspend a tenant: its requests and tokens are refused at once, its shares hidden" })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  suspend(@Param() { id }: IdParam, @Body() body: SuspendTenantDto) {
    return this.registry.suspend(id, body?.reason);
  }

  @Post(':id/reactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a suspended tenant' })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  reactivate(@Param() { id }: IdParam) {
    return this.registry.reactivate(id);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Soft-delete a tenant (restorable until purgeAfter, then purged)' })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  remove(@Param() { id }: IdParam) {
    return this.registry.softDelete(id);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a soft-deleted tenant before purgeAfter' })
  @ApiOkResponse({ type: TenantDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  restore(@Param() { id }: IdParam) {
    return this.registry.restore(id);
  }
}
