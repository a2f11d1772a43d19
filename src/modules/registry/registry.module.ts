import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { SharingModule } from '../sharing/sharing.module.js';
import { TenantModule } from '../tenant/tenant.module.js';
import { AdminTenantsController } from './admin-tenants.controller.js';
import { CredentialCipher } from './credential-cipher.js';
import { IntegrationsController } from './integrations.controller.js';
import { IntegrationsRepository } from './integrations.repository.js';
import { IntegrationsService } from './integrations.service.js';
import { PlatformAdminController } from './platform-admin.controller.js';
import { PlatformAuditRepository } from './platform-audit.repository.js';
import { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';
import { RegistryService } from './registry.service.js';
import { TenantAdminController } from './tenant-admin.controller.js';
import { TenantAdminRepository } from './tenant-admin.repository.js';
import { TenantAdminService } from './tenant-admin.service.js';

/**
 * Tenants' lifecycle for platform admins (the rows themselves: tenant module), the tenant-scope
 * admin routes, encrypted credentials (table integrations), the platform audit trail and the purge.
 */
@Module({
  imports: [TenantModule, AuthModule, SharingModule],
  controllers: [AdminTenantsController, PlatformAdminController, TenantAdminController, IntegrationsController],
  providers: [
    CredentialCipher,
    IntegrationsRepository,
    IntegrationsService,
    PlatformAuditRepository,
    PurgeRepository,
    PurgeService,
    RegistryService,
    TenantAdminRepository,
    TenantAdminService,
  ],
  // PlatformAuditRepository: until AuditService writes platform entries with a target tenant
  // inside the transaction (provisioning uses it).
  exports: [CredentialCipher, PlatformAuditRepository, RegistryService, IntegrationsService, PurgeService],
})
export class RegistryModule {}
