import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { TenantRoute } from '../../common/route-scope.js';
import { RequirePermission } from '../auth/require-permission.decorator.js';
import { IntegrationNameParam, PutIntegrationDto } from './dto/put-integration.dto.js';
import { IntegrationsService } from './integrations.service.js';

/** Third-party credentials of the tenant; secret values go in and never come out. */
@TenantRoute()
@RequirePermission('integrations:manage')
@Controller('v1/integrations')
export class IntegrationsController {
  constructor(private readonly integrations: IntegrationsService) {}

  @Get()
  list() {
    return this.integrations.list();
  }

  @Get(':name')
  get(@Param() { name }: IntegrationNameParam) {
    return this.integrations.get(name);
  }

  @Put(':name')
  put(@Param() { name }: IntegrationNameParam, @Body() body: PutIntegrationDto) {
    return this.integrations.put(name, body.provider, body.credentials);
  }

  @Delete(':name')
  @HttpCode(204)
  async remove(@Param() { name }: IntegrationNameParam) {
    await this.integrations.delete(name);
  }
}
