import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import '../../common/fastify-request.js';
import { ForbiddenError } from '../../common/errors.js';
import { requestContext, type RequestState } from '../../common/request-context.js';
import { ROUTE_SCOPE, type RouteScope } from '../../common/route-scope.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import type { TransactionSession } from '../../database/db-session.js';
import { TenantRateLimiter } from './tenant-rate-limiter.service.js';
import { TenantResolver } from './tenant-resolver.service.js';

/**
 * Runs every tenant (or platform) route inside one transaction on the matching runtime role.
 * The transaction opens on the first query, commits when the handler succeeds, rolls back on
 * any error or when the client goes away, and always releases its connection.
 */
@Injectable()
export class TenantContextInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly resolver: TenantResolver,
    private readonly sessions: DatabaseSessions,
    private readonly rateLimiter: TenantRateLimiter,
  ) {}

  async intercept(ctx: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (ctx.getType() !== 'http') return next.handle();
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    const reply = ctx.switchToHttp().getResponse<FastifyReply>();
    const scope = this.reflector.getAllAndOverride<RouteScope | undefined>(ROUTE_SCOPE, [
      ctx.getHandler(),
      ctx.getClass(),
    ]);
    const principal = req.principal;
    const state: RequestState = { requestId: String(req.id), ip: req.ip, principal };
    if (!scope) return this.inContext(state, next);

    let session: TransactionSession;
    if (scope === 'tenant') {
      if (principal && principal.scope !== 'tenant') {
        throw new ForbiddenError('A platform token cannot be used on tenant routes.');
      }
      const tenant = await this.resolver.resolve({
        tokenTenantId: principal?.tenantId,
        header: headerValue(req.headers['x-tenant-id']),
        host: headerValue(req.headers.host),
      });
      req.tenant = tenant;
      state.tenantId = tenant.id;
      void reply.header('X-Tenant-ID', tenant.id);
      await this.rateLimiter.admit(tenant, reply);
      session = this.sessions.tenantSession(tenant.id);
    } else {
      if (principal && principal.scope !== 'platform') {
        throw new ForbiddenError('A tenant token cannot be used on platform admin routes.');
      }
      session = this.sessions.platformSession(principal?.subject ?? 'anonymous');
    }
    state.session = session;
    return this.inTransaction(state, session, reply, next);
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

      let result: unknown;
      const inner = requestContext.run(state, () =>
        next.handle().subscribe({
          next: (value) => (result = value),
          error: (err) => {
            done();
            void session.rollback().finally(() => subscriber.error(err));
          },
          complete: () => {
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
        }),
      );
      return () => inner.unsubscribe();
    });
  }
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
