import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { PlatformRoute } from '../../common/route-scope.js';
import { IdParam } from '../../common/id.param.js';
import { CreateTenantDto } from './dto/create-tenant.dto.js';
import { ProvisioningService } from './provisioning.service.js';

@PlatformRoute()
@Controller('v1/admin/tenants')
export class ProvisioningController {
  constructor(private readonly provisioning: ProvisioningService) {}

  /** 201 {tenant, admin}; with Idempotency-Key a retry answers the first result again. */
  @Post()
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
  reprovision(@Param() { id }: IdParam) {
    return this.provisioning.reprovision(id);
  }
}
