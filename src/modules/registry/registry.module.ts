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
import { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';
import { RegistryService } from './registry.service.js';
import { TenantAdminController } from './tenant-admin.controller.js';
import { TenantAdminService } from './tenant-admin.service.js';

/**
 * Tenants' lifecycle for platform admins (the rows themselves: tenant module), the tenant-scope
 * admin routes, encrypted credentials (table integrations), the platform audit trail's reads and the purge.
 */
@Module({
  imports: [TenantModule, AuthModule, SharingModule],
  controllers: [AdminTenantsController, PlatformAdminController, TenantAdminController, IntegrationsController],
  providers: [
    CredentialCipher,
    IntegrationsRepository,
    IntegrationsService,
    PurgeRepository,
    PurgeService,
    RegistryService,
    TenantAdminService,
  ],
  exports: [CredentialCipher, RegistryService, IntegrationsService, PurgeService],
})
export class RegistryModule {}
