import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TenantChangeListener } from './tenant-change.listener.js';
import { TenantContextInterceptor } from './tenant-context.interceptor.js';
import { TenantEvents } from './tenant-events.js';
import { TenantRateLimiter } from './tenant-rate-limiter.service.js';
import { TenantResolver } from './tenant-resolver.service.js';
import { TenantController } from './tenant.controller.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';

/** Table tenants, resolution of a request's tenant, and the "tenant changed" events across instances. */
@Module({
  controllers: [TenantController],
  providers: [
    TenantRepository,
    TenantResolver,
    TenantService,
    TenantEvents,
    TenantChangeListener,
    TenantRateLimiter,
    { provide: APP_INTERCEPTOR, useClass: TenantContextInterceptor },
  ],
  // TenantRepository: AuthService and the reset-password CLI still use it (resolve, findCurrent)
  exports: [TenantResolver, TenantRepository, TenantService],
})
export class TenantModule {}
