import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TenantModule } from '../tenant/tenant.module.js';
import { CredentialCipher } from './credential-cipher.js';
import { IntegrationsController } from './integrations.controller.js';
import { IntegrationsRepository } from './integrations.repository.js';
import { IntegrationsService } from './integrations.service.js';
import { PlatformAdminController } from './platform-admin.controller.js';
import { PurgeRepository } from './purge.repository.js';
import { PurgeService } from './purge.service.js';
import { RegistryRepository } from './registry.repository.js';
import { RegistryService } from './registry.service.js';
import { TenantAdminController } from './tenant-admin.controller.js';
import { TenantAdminRepository } from './tenant-admin.repository.js';
import { TenantAdminService } from './tenant-admin.service.js';
import { TenantChangeListener } from './tenant-change.listener.js';
import { TenantEvents } from './tenant-events.js';
import { TenantsAdminController } from './tenants-admin.controller.js';

/** Tenants' lifecycle, settings, encrypted credentials, the platform audit trail and the purge. */
@Module({
  imports: [TenantModule, AuthModule],
  controllers: [TenantsAdminController, PlatformAdminController, TenantAdminController, IntegrationsController],
  providers: [
    CredentialCipher,
    IntegrationsRepository,
    IntegrationsService,
    PurgeRepository,
    PurgeService,
    RegistryRepository,
    RegistryService,
    TenantAdminRepository,
    TenantAdminService,
    TenantChangeListener,
    TenantEvents,
  ],
  exports: [CredentialCipher, TenantEvents, RegistryRepository, IntegrationsService, PurgeService],
})
export class RegistryModule {}
