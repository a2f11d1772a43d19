import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuthModule } from '../modules/auth/auth.module.js';
import { TenantModule } from '../modules/tenant/tenant.module.js';
import { RequestPipeline } from './request-pipeline.interceptor.js';

/** Registers the request pipeline (request-pipeline.interceptor.ts): the app's one interceptor. */
@Module({
  imports: [AuthModule, TenantModule],
  providers: [{ provide: APP_INTERCEPTOR, useClass: RequestPipeline }],
})
export class RequestPipelineModule {}
