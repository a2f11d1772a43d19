import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags,
} from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { SingleRead, TenantRoute } from '../../common/route-scope.js';
import { RequirePermission } from '../auth/require-permission.decorator.js';
import {
  CreateResourceDto, ListResourcesQuery, ResourceDto, ResourceIdParam, ResourcePageDto, SharingDto, UpdateResourceDto,
} from './dto/resource.dto.js';
import { SharingService } from './sharing.service.js';

/** Resources of any kind, private, global or shared with chosen tenants (docs/api.md "Sharing"). */
@ApiTags('resources')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@Controller('v1/resources')
export class SharingController {
  constructor(private readonly resources: SharingService) {}

  @Post()
  @RequirePermission('resources:write')
  @ApiOperation({
    summary: 'Create a resource (member or admin); a sharing other than private needs resources:share (admin), global sharing a platform tenant',
  })
  @ApiCreatedResponse({ type: ResourceDto })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(403, 'forbidden')
  create(@Body() body: CreateResourceDto) {
    return this.resources.create(body);
  }

  @Get()
  @SingleRead() // one call of app.list_visible_resources: page and total
  @RequirePermission('resources:read')
  @ApiOperation({ summary: 'Resources visible to this tenant: its own, global ones, and those shared with it' })
  @ApiQuery({ name: 'page', required: false, type: Number, description: '≥ 1, default 1' })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1–100, default 20' })
  @ApiOkResponse({ type: ResourcePageDto })
  list(@Query() query: ListResourcesQuery) {
    return this.resources.list(query);
  }

  @Get(':id')
  @SingleRead() // one SELECT
  @RequirePermission('resources:read')
  @ApiOperation({ summary: 'One resource, if visible to this tenant' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblem(404, 'resource_not_found')
  get(@Param() { id }: ResourceIdParam) {
    return this.resources.get(id);
  }

  @Patch(':id')
  @RequirePermission('resources:write')
  @ApiOperation({ summary: 'Change name and/or content (owner tenant only)' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblem(403, 'forbidden')
  @ApiProblem(404, 'resource_not_found')
  update(@Param() { id }: ResourceIdParam, @Body() body: UpdateResourceDto) {
    return this.resources.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePermission('resources:write')
  @ApiOperation({ summary: 'Delete a resource and its shares (owner tenant only)' })
  @ApiNoContentResponse()
  @ApiProblem(403, 'forbidden')
  @ApiProblem(404, 'resource_not_found')
  async remove(@Param() { id }: ResourceIdParam) {
    await this.resources.delete(id);
  }

  @Put(':id/sharing')
  @RequirePermission('resources:share')
  @ApiOperation({ summary: 'Set who may read the resource (admin of the owner tenant)' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiProblem(400, 'validation_failed')
  @ApiProblem(403, 'forbidden')
  @ApiProblem(404, 'resource_not_found')
  setSharing(@Param() { id }: ResourceIdParam, @Body() body: SharingDto) {
    return this.resources.setSharing(id, body);
  }
}
