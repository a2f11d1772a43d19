import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TenantModule } from '../tenant/tenant.module.js';
import { AdminUserPasswordsController } from './admin-user-passwords.controller.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';
import { AuthController } from './auth.controller.js';
import { Authenticator } from './authenticator.service.js';
import { AuthService } from './auth.service.js';
import { LoginGate } from './login-gate.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordResetService } from './password-reset.service.js';
import { PasswordResetsRepository } from './password-resets.repository.js';
import { PasswordService } from './password.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { PlatformAdminsController } from './platform-admins.controller.js';
import { PlatformAdminsService } from './platform-admins.service.js';
import { PlatformAuthController } from './platform-auth.controller.js';
import { PrincipalCheck } from './principal-check.service.js';
import { RefreshTokensRepository } from './refresh-tokens.repository.js';
import { SessionsController } from './sessions.controller.js';
import { TokenService } from './token.service.js';
import { UsersController } from './users.controller.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

@Module({
  // Keys and claims are passed per call from AppConfig (token.service.ts).
  imports: [JwtModule.register({}), TenantModule],
  controllers: [
    AuthController,
    SessionsController,
    PlatformAuthController,
    UsersController,
    PlatformAdminsController,
    AdminUserPasswordsController,
  ],
  providers: [
    AuthService,
    AuditService,
    AuditRepository,
    PasswordService,
    PasswordResetService,
    PasswordResetsRepository,
    PasswordChangeService,
    PlatformAdminsService,
    TokenService,
    UsersRepository,
    PlatformAdminsRepository,
    RefreshTokensRepository,
    UsersService,
    LoginThrottle,
    LoginGate,
    Authenticator,
    PrincipalCheck,
  ],
  exports: [Authenticator, PrincipalCheck, AuditService, PasswordService, PasswordResetService, TokenService, UsersService],
})
export class AuthModule {}
