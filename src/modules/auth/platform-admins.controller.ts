import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdParam } from '../../common/id.param.js';
import { ApiProblem } from '../../common/openapi.js';
import { PageQuery } from '../../common/paging.js';
import { PlatformRoute } from '../../common/route-scope.js';
import { CreatePlatformAdminDto, PlatformAdminDto, PlatformAdminPageDto, UpdatePlatformAdminDto } from './dto/platform-admins.dto.js';
import { PlatformAdminsService } from './platform-admins.service.js';
import { RequirePermission } from './require-permission.decorator.js';

/** Platform admins, managed by owners; every platform role may list them. */
@ApiTags('platform-admins')
@PlatformRoute()
@RequirePermission('platform_admins:manage')
@Controller('v1/admin/platform-admins')
export class PlatformAdminsController {
  constructor(private readonly admins: PlatformAdminsService) {}

  @Get()
  @RequirePermission('platform:read')
  @ApiOperation({ summary: 'A page of the platform admins (any platform role)' })
  @ApiOkResponse({ type: PlatformAdminPageDto })
  list(@Query() query: PageQuery) {
    return this.admins.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a platform admin with a role (owner only)' })
  @ApiCreatedResponse({ type: PlatformAdminDto })
  @ApiProblem(409, 'conflict')
  create(@Body() body: CreatePlatformAdminDto) {
    return this.admins.create(body);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a platform admin's role or status; ends its sessions (owner only)" })
  @ApiOkResponse({ type: PlatformAdminDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'last_owner')
  update(@Param() { id }: IdParam, @Body() body: UpdatePlatformAdminDto) {
    return this.admins.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a platform admin; ends its sessions (owner only)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'last_owner')
  async remove(@Param() { id }: IdParam): Promise<void> {
    await this.admins.remove(id);
  }
}
