import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute } from '../../common/route-scope.js';
import { ProvisionedTenantDto, ReprovisionResultDto } from './dto/provisioned-tenant.dto.js';
import { IdParam } from '../../common/id.param.js';
import { CreateTenantDto } from './dto/create-tenant.dto.js';
import { ProvisioningService } from './provisioning.service.js';

@ApiTags('admin-tenants')
@PlatformRoute()
@Controller('v1/admin/tenants')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningService) {}

  /** 201 {tenant, admin}; with Idempotency-Key a retry answers the first result again. */
  @Post()
  @ApiOperation({ summary: 'Create a tenant with its settings and first admin, all or nothing' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: '1–255 visible ASCII characters; a retry with the same key and body answers the first result again (header Idempotent-Replayed: true)',
  })
  @ApiCreatedResponse({ type: ProvisionedTenantDto })
  @ApiProblem(409, 'conflict')
  @ApiProblem(422, 'idempotency_key_reused')
  async create(
    @Body() body: CreateTenantDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.provisioning.create(body, idempotencyKey);
    void reply.status(result.status);
    if (result.replayed) void reply.header('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Post(':id/provision')
  @HttpCode(200)
  @ApiOperation({ summary: "Re-run a tenant's provisioning steps idempotently, repairing what is missing" })
  @ApiOkResponse({ type: ReprovisionResultDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  reprovision(@Param() { id }: IdParam) {
    return this.provisioning.reprovision(id);
  }
}
