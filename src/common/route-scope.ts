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
