import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from '../../common/errors.js';
import type { Principal } from '../../common/principal.js';
import type { RouteScope } from '../../common/route-scope.js';
import { hasPermissions, type Permission } from './permissions.js';
import { TokenService } from './token.service.js';

/** What a route asks of its caller (read once per handler from its decorators). */
export interface RouteRequirements {
  isPublic: boolean;
  scope?: RouteScope;
  permissions?: readonly Permission[];
  /** @SingleRead: one statement, COMMIT in the same round trip */
  singleRead?: boolean;
}

/**
 * The authentication step of the request pipeline: a verified Bearer access token whose scope
 * matches the route's (tenant vs platform) and whose role holds the route's permissions.
 */
@Injectable()
export class Authenticator {
  constructor(private readonly tokens: TokenService) {}

  /** The caller of a non-public route; throws 401/403. */
  authenticate(authorization: FastifyRequest['headers']['authorization'], route: RouteRequirements): Principal {
    const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
    if (!match) throw new UnauthorizedError();
    const principal = this.tokens.verifyAccess(match[1]);
    if (route.scope === 'platform' && principal.scope !== 'platform') {
      throw new ForbiddenError('A tenant token cannot be used on platform admin routes.');
    }
    if (route.scope === 'tenant' && principal.scope !== 'tenant') {
      throw new ForbiddenError('A platform token cannot be used on tenant routes.');
    }
    const wanted = route.permissions;
    if (wanted?.length && !hasPermissions(principal.role, wanted, principal.scope)) {
      throw new ForbiddenError(`This needs the permission ${wanted.join(', ')}.`);
    }
    return principal;
  }
}
