import { applyDecorators, SetMetadata } from '@nestjs/common';

export const ROUTE_SCOPE = 'tenancy:route-scope';
export const IS_PUBLIC = 'tenancy:public';

export type RouteScope = 'tenant' | 'platform';

/**
 * The route runs inside one transaction on the tenant runtime role with the resolved tenant set
 * (`app.current_tenant_id`). Use on controllers under /v1 that serve a tenant.
 */
export const TenantRoute = () => SetMetadata(ROUTE_SCOPE, 'tenant' satisfies RouteScope);

/** The route runs inside one transaction on the platform runtime role (`app.scope = platform`). */
export const PlatformRoute = () => SetMetadata(ROUTE_SCOPE, 'platform' satisfies RouteScope);

/** No access token required (login, health, docs). */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true));

export const SINGLE_READ = 'tenancy:single-read';

/**
 * The handler reads with exactly one statement (GET routes of the hot path): its transaction is
 * READ ONLY and COMMIT leaves right behind that statement, in the same round trip
 * (src/database/db-session.ts). A write, or a second statement, fails the request.
 */
export const SingleRead = () => SetMetadata(SINGLE_READ, true);
