import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TenantModule } from '../tenant/tenant.module.js';
import { AdminResourcesController } from './admin-resources.controller.js';
import { AdminResourcesRepository } from './admin-resources.repository.js';
import { AdminResourcesService } from './admin-resources.service.js';
import { SharingController } from './sharing.controller.js';
import { SharingRepository } from './sharing.repository.js';
import { SharingService } from './sharing.service.js';

/**
 * Resources with private, global and selective sharing; the rule itself is in 0020_sharing.sql.
 * Platform admins see and take down shared ones (admin-resources.*, 0031).
 */
@Module({
  imports: [TenantModule, AuthModule],
  controllers: [SharingController, AdminResourcesController],
  providers: [SharingRepository, SharingService, AdminResourcesRepository, AdminResourcesService],
  exports: [SharingService],
})
export class SharingModule {}
