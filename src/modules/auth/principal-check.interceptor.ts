import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { UnauthorizedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { ROUTE_SCOPE, type RouteScope } from '../../common/route-scope.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { UsersRepository } from './users.repository.js';

/**
 * Runs after the tenant-context interceptor (TenantModule registers its interceptor first), inside
 * the request's transaction: an access token of a user that was deleted, disabled or given
 * another role since the token was issued stops working on the very next request, not at expiry.
 * One primary-key lookup in the transaction the request opens anyway.
 */
@Injectable()
export class PrincipalCheckInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: UsersRepository,
    private readonly admins: PlatformAdminsRepository,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const state = requestContext.get();
    const principal = state?.principal;
    if (!principal) return next.handle();
    // Fail closed if the interceptors ever run in another order: a scoped route with a verified
    // token must already have its transaction here.
    if (!state.session) {
      const scope = this.reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, [ctx.getHandler(), ctx.getClass()]);
      if (scope) throw new Error('PrincipalCheckInterceptor ran before the tenant-context interceptor');
      return next.handle();
    }
    if (state.session.scope === 'tenant' && principal.scope === 'tenant') {
      const user = await this.users.access(principal.subject);
      if (!user || user.status !== 'active' || user.role !== principal.role) throw revoked();
    } else if (state.session.scope === 'platform' && principal.scope === 'platform') {
      const admin = await this.admins.findById(principal.subject);
      if (!admin || admin.status !== 'active') throw revoked();
    }
    return next.handle();
  }
}

const revoked = () => new UnauthorizedError('The access token is no longer valid; log in again.');
