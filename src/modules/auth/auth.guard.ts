import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import '../../common/fastify-request.js';
import { ForbiddenError, UnauthorizedError } from '../../common/errors.js';
import { IS_PUBLIC, ROUTE_SCOPE, type RouteScope } from '../../common/route-scope.js';
import { hasPermissions, type Permission } from './permissions.js';
import { REQUIRED_PERMISSIONS } from './require-permission.decorator.js';
import { TokenService } from './token.service.js';

/**
 * Global guard: every route needs a verified Bearer access token unless marked @Public().
 * Checks the token's scope against the route's (tenant vs platform) and the role's permissions.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new UnauthorizedError();
    const principal = this.tokens.verifyAccess(match[1]);
    req.principal = principal;

    const scope = this.reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, targets);
    if (scope === 'platform' && principal.scope !== 'platform') {
      throw new ForbiddenError('A tenant token cannot be used on platform admin routes.');
    }
    if (scope === 'tenant' && principal.scope !== 'tenant') {
      throw new ForbiddenError('A platform token cannot be used on tenant routes.');
    }
    const wanted = this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, targets);
    if (wanted?.length && (principal.scope !== 'tenant' || !hasPermissions(principal.role, wanted))) {
      throw new ForbiddenError(`This needs the permission ${wanted.join(', ')}.`);
    }
    return true;
  }
}
