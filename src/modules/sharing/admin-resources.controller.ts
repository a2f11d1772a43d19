import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/id.param.js';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute } from '../../common/route-scope.js';
import { AdminResourcesService } from './admin-resources.service.js';
import {
  AdminResourceDetailDto, AdminResourcePageDto, ListAdminResourcesQuery, TenantSharesDto,
} from './dto/admin-resource.dto.js';
import { SharingDto } from './dto/resource.dto.js';

/**
 * Shared resources of every tenant, for platform admins (docs/api.md "Shared resources, for
 * platform admins"). Private resources are not theirs to see: 404, by the database's policies.
 * Reads need platform read access and changes platform write access (the platform route's
 * scope; permissions per platform role where those exist).
 */
@ApiTags('platform resources')
@PlatformRoute()
@Controller('v1/admin')
export class AdminResourcesController {
  constructor(private readonly resources: AdminResourcesService) {}

  @Get('resources')
  @ApiOperation({ summary: "Every tenant's global and selective resources, newest first, filtered by owner, mode, kind and name" })
  @ApiQuery({ name: 'page', required: false, type: Number, description: '≥ 1, default 1' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–100, default 20' })
  @ApiOkResponse({ type: AdminResourcePageDto })
  @ApiProblem(400, 'validation_failed')
  list(@Query() query: ListAdminResourcesQuery) {
    return this.resources.list(query);
  }

  @Get('resources/:id')
  @ApiOperation({ summary: 'One shared resource with its owner and grantees' })
  @ApiOkResponse({ type: AdminResourceDetailDto })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(404, 'resource_not_found')
  get(@Param() { id }: IdParam) {
    return this.resources.get(id);
  }

  @Put('resources/:id/sharing')
  @ApiOperation({
    summary: 'Take a shared resource down ({mode:"private"}) or narrow it (fewer grantees, or a global one to listed tenants); never widen',
  })
  @ApiOkResponse({ type: AdminResourceDetailDto })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'sharing_widening_refused')
  setSharing(@Param() { id }: IdParam, @Body() body: SharingDto) {
    return this.resources.setSharing(id, body);
  }

  @Delete('resources/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a shared resource and its shares' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(404, 'resource_not_found')
  async remove(@Param() { id }: IdParam) {
    await this.resources.delete(id);
  }

  @Get('tenants/:id/shares')
  @ApiOperation({ summary: 'What a tenant shares and what other tenants share with it' })
  @ApiOkResponse({ type: TenantSharesDto })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(404, 'resource_not_found')
  shares(@Param() { id }: IdParam) {
    return this.resources.tenantShares(id);
  }
}
