import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import '../common/fastify-request.js';
import { requestContext, type RequestState } from '../common/request-context.js';
import { IS_PUBLIC, ROUTE_SCOPE, SINGLE_READ, type RouteScope } from '../common/route-scope.js';
import { DatabaseSessions } from '../database/database-sessions.js';
import type { TransactionSession } from '../database/db-session.js';
import { Authenticator, type RouteRequirements } from '../modules/auth/authenticator.service.js';
import { PrincipalCheck } from '../modules/auth/principal-check.service.js';
import { defaultPlatformPermissions, type Permission } from '../modules/auth/permissions.js';
import { REQUIRED_PERMISSIONS } from '../modules/auth/require-permission.decorator.js';
import { TenantRateLimiter } from '../modules/tenant/tenant-rate-limiter.service.js';
import { TenantResolver } from '../modules/tenant/tenant-resolver.service.js';
import { tenantSourcesOf } from '../modules/tenant/tenant-sources.js';

/**
 * The request pipeline, in its one order, for every route:
 *
 *   1. authenticate  a verified access token of the route's scope with the route's permissions
 *                    (skipped on @Public routes)
 *   2. tenant        tenant routes: resolve the tenant (token → X-Tenant-ID → Host → cookie, mismatch and
 *                    suspension refused)
 *   3. rate limit    tenant routes: the tenant's request budget, before any database work
 *   4. transaction   scoped routes: one transaction on the scope's runtime role, opened on the
 *                    first query with the context set in the same round trip; @SingleRead
 *                    routes: READ ONLY, COMMIT sent right behind the handler's one statement
 *   5. principal     the token's user (or platform admin) still active with the same role: sent
 *                    beside the handler's first query, its verdict awaited before the answer
 *                    (@SingleRead routes: awaited before the handler, whose statement ends the
 *                    transaction; a cached verdict costs no query)
 *   6. handler       then COMMIT on success; ROLLBACK on any error or when the client goes away
 *
 * It is the app's only guard or interceptor (registered by RequestPipelineModule), so nothing
 * depends on the order in which modules are imported.
 */
@Injectable()
export class RequestPipeline implements NestInterceptor {
  private readonly requirements = new WeakMap<object, RouteRequirements>();

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly resolver: TenantResolver,
    private readonly rateLimiter: TenantRateLimiter,
    private readonly sessions: DatabaseSessions,
    private readonly principalCheck: PrincipalCheck,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const route = this.requirementsOf(ctx);

    // 1. authenticate
    const principal = route.isPublic ? undefined : this.authenticator.authenticate(req.headers.authorization, route);
    req.principal = principal;
    const state: RequestState = { requestId: String(req.id), ip: req.ip, principal };
    if (!route.scope) return this.inContext(state, next);

    const singleRead = route.singleRead === true;
    let session: TransactionSession;
    if (route.scope === 'tenant') {
      // 2. tenant
      const tenant = await this.resolver.resolve({ tokenTenantId: principal?.tenantId, ...tenantSourcesOf(req) });
      req.tenant = tenant;
      state.tenantId = tenant.id;
      void reply.header('X-Tenant-ID', tenant.id);
      // 3. rate limit
      await this.rateLimiter.admit(tenant, reply);
      // 4. transaction
      session = this.sessions.tenantSession(tenant.id, singleRead);
    } else {
      session = this.sessions.platformSession(principal?.subject ?? 'anonymous', singleRead);
    }
    state.session = session;
    return this.inTransaction(state, session, reply, next, singleRead);
  }

  /** The route's decorators, read once per handler. */
  private requirementsOf(ctx: ExecutionContext): RouteRequirements {
    const handler = ctx.getHandler();
    let found = this.requirements.get(handler);
    if (!found) {
      const targets = [handler, ctx.getClass()];
      const scope = this.reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, targets);
      const declared = this.reflector.getAllAndOverride<Permission[] | undefined>(REQUIRED_PERMISSIONS, targets);
      found = {
        isPublic: this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) === true,
        scope,
        singleRead: this.reflector.getAllAndOverride<boolean>(SINGLE_READ, targets) === true,
        // a platform route that declares nothing is closed to viewers unless it only reads
        permissions:
          declared ?? (scope === 'platform' ? defaultPlatformPermissions(ctx.switchToHttp().getRequest<FastifyRequest>().method) : undefined),
      };
      this.requirements.set(handler, found);
    }
    return found;
  }

  private inContext(state: RequestState, next: CallHandler): Observable<unknown> {
    return new Observable((subscriber) =>
      requestContext.run(state, () => next.handle().subscribe(subscriber)),
    );
  }

  private inTransaction(
    state: RequestState,
    session: TransactionSession,
    reply: FastifyReply,
    next: CallHandler,
    singleRead: boolean,
  ): Observable<unknown> {
    return new Observable((subscriber) => {
      let clientGone = false;
      const onClose = () => {
        if (reply.raw.writableFinished) return;
        // The client disconnected mid-request: nobody will see the answer, so stop the running
        // statement (pg cancel), undo the work and give the connection back now; later queries
        // of the handler fail.
        clientGone = true;
        void session.abandon('client closed the connection');
      };
      reply.raw.once('close', onClose);
      const done = () => reply.raw.off('close', onClose);

      // 5. principal: sent now, inside the transaction, ahead of the handler's first query
      const principal = state.principal;
      const check = principal ? requestContext.run(state, () => this.principalCheck.verify(principal)) : undefined;
      check?.catch(() => undefined); // observed below, whichever way the handler ends

      let result: unknown;
      const fail = (err: unknown) => {
        done();
        void session.rollback().finally(() => subscriber.error(err));
      };
      // 6. handler
      const handle = () => requestContext.run(state, () =>
        next.handle().subscribe({
          next: (value) => (result = value),
          // a revoked token answers 401 rather than the handler's error
          error: (err) => void (check ?? Promise.resolve()).then(() => fail(err), fail),
          complete: () => {
            void (check ?? Promise.resolve()).then(
              () => {
                done();
                const finish = clientGone ? session.rollback() : session.commit();
                finish.then(
                  () => {
                    subscriber.next(result);
                    subscriber.complete();
                  },
                  (err) => subscriber.error(err),
                );
              },
              fail,
            );
          },
        }),
      );
      if (!singleRead) {
        const inner = handle();
        return () => inner.unsubscribe();
      }
      // a single read: the verdict first, so that the handler's statement is the transaction's last
      let inner: { unsubscribe(): void } | undefined;
      let unsubscribed = false;
      const start = () => {
        session.endWithNextStatement();
        inner = handle();
      };
      if (!check) start();
      else {
        void check.then(() => (unsubscribed ? void session.rollback() : start()), fail);
      }
      return () => {
        unsubscribed = true;
        inner?.unsubscribe();
      };
    });
  }
}
