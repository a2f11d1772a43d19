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
  // other modules reach table tenants through TenantService, never the repository
  exports: [TenantRateLimiter, TenantResolver, TenantService],
})
export class TenantModule {}
