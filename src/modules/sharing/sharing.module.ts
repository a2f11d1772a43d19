import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TenantModule } from '../tenant/tenant.module.js';
import { SharingController } from './sharing.controller.js';
import { SharingRepository } from './sharing.repository.js';
import { SharingService } from './sharing.service.js';

/** Resources with private, global and selective sharing; the rule itself is in 0020_sharing.sql. */
@Module({
  imports: [TenantModule, AuthModule],
  controllers: [SharingController],
  providers: [SharingRepository, SharingService],
  exports: [SharingService],
})
export class SharingModule {}
