import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { catchError, concatMap, type Observable } from 'rxjs';
import { UnauthorizedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { ROUTE_SCOPE, type RouteScope } from '../../common/route-scope.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { UsersRepository } from './users.repository.js';

/**
 * Runs after the tenant-context interceptor (TenantModule registers its interceptor first), inside
 * the request's transaction: an access token of a user that was deleted, disabled or given
 * another role since the token was issued stops working on the very next request, not at expiry.
 * One primary-key lookup in the transaction the request opens anyway. It is sent, not awaited,
 * before the handler runs, so it shares a round trip with BEGIN, set_config and the handler's
 * first query; its verdict is awaited before the answer leaves (and before COMMIT), so a revoked
 * token gets 401 and whatever the handler did is rolled back.
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
    let check: Promise<void>;
    if (state.session.scope === 'tenant' && principal.scope === 'tenant') {
      check = this.users.access(principal.subject).then((user) => {
        if (!user || user.status !== 'active' || user.role !== principal.role) throw revoked();
      });
    } else if (state.session.scope === 'platform' && principal.scope === 'platform') {
      check = this.admins.findById(principal.subject).then((admin) => {
        if (!admin || admin.status !== 'active') throw revoked();
      });
    } else {
      return next.handle();
    }
    check.catch(() => undefined); // observed below, whichever way the handler ends
    return next.handle().pipe(
      concatMap(async (value) => {
        await check;
        return value;
      }),
      catchError(async (err) => {
        await check; // a revoked token answers 401 rather than the handler's error
        throw err;
      }),
    );
  }
}

const revoked = () => new UnauthorizedError('The access token is no longer valid; log in again.');
