import { Module } from '@nestjs/common';
import { TenantRateLimiter } from './tenant-rate-limiter.service.js';
import { TenantResolver } from './tenant-resolver.service.js';
import { TenantController } from './tenant.controller.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

@Module({
  controllers: [TenantController],
  providers: [
    TenantRepository,
    TenantResolver,
    TenantService,
    TenantRateLimiter,
  ],
  exports: [TenantRateLimiter, TenantResolver, TenantRepository, TenantService],
})
export class TenantModule {}
