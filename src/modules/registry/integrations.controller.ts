import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { TenantRoute } from '../../common/route-scope.js';
import { IntegrationDto } from './dto/registry-views.dto.js';
import { RequirePermission } from '../auth/require-permission.decorator.js';
import { IntegrationNameParam, PutIntegrationDto } from './dto/put-integration.dto.js';
import { IntegrationsService } from './integrations.service.js';

/** Third-party credentials of the tenant; secret values go in and never come out. */
@ApiTags('integrations')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@RequirePermission('integrations:manage')
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Get()
  @ApiOperation({ summary: "The tenant's integrations (field names only)" })
  @ApiOkResponse({ type: [IntegrationDto] })
  list() {
    return this.integrations.list();
  }

  @Get(':name')
  @ApiOperation({ summary: 'One integration (field names only)' })
  @ApiOkResponse({ type: IntegrationDto })
  @ApiProblem(404, 'resource_not_found')
  get(@Param() { name }: IntegrationNameParam) {
    return this.integrations.get(name);
  }

  @Put(':name')
  @ApiOperation({ summary: 'Create or replace an integration; its credentials are sealed and never answered back' })
  @ApiOkResponse({ type: IntegrationDto })
  put(@Param() { name }: IntegrationNameParam, @Body() body: PutIntegrationDto) {
    return this.integrations.put(name, body.provider, body.credentials);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an integration' })
  @ApiNoContentResponse()
  @ApiProblem(404, 'resource_not_found')
  async remove(@Param() { name }: IntegrationNameParam) {
    await this.integrations.delete(name);
  }
}
