import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RegistryModule } from '../registry/registry.module.js';
import { TenantModule } from '../tenant/tenant.module.js';
import { IdempotencyRepository } from './idempotency.repository.js';
import { ProvisioningController } from './provisioning.controller.js';
import { ProvisioningService } from './provisioning.service.js';

/** Creating tenants: tenant + defaults + first admin in one transaction, idempotency keys. */
@Module({
  imports: [TenantModule, AuthModule, RegistryModule],
  controllers: [ProvisioningController],
  providers: [IdempotencyRepository, ProvisioningService],
})
export class ProvisioningModule {}
