import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TenantModule } from '../tenant/tenant.module.js';
import { AuditService } from './audit.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { PasswordService } from './password.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { PlatformAuthController } from './platform-auth.controller.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

@Module({
  // Keys and claims are passed per call from AppConfig (token.service.ts).
  imports: [JwtModule.register({}), TenantModule],
  controllers: [AuthController, PlatformAuthController],
  providers: [
    AuthService,
    AuditService,
    PasswordService,
    TokenService,
    UsersRepository,
    PlatformAdminsRepository,
    RefreshTokensRepository,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuditService, PasswordService, TokenService, UsersRepository],
})
export class AuthModule {}
