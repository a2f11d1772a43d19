import { Module } from '@nestjs/common';
import { TenantChangeListener } from './tenant-change.listener.js';
import { TenantEvents } from './tenant-events.js';
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
    TenantEvents,
    TenantChangeListener,
    TenantRateLimiter,
  ],
  // TenantRepository: AuthService and the reset-password CLI still use it (resolve, findCurrent)
  exports: [TenantRateLimiter, TenantResolver, TenantRepository, TenantService],
})
export class TenantModule {}
