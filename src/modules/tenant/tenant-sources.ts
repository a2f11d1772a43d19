import { parseCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import type { TenantSources } from './tenant-resolver.service.js';

/** The cookie a browser client names its tenant with (an id or a subdomain). */
export const TENANT_COOKIE = 'tenant_id';

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * The tenant a request names besides its token: X-Tenant-ID, then the Host's subdomain, then the
 * `tenant_id` cookie, the lowest precedence (TenantResolver refuses any two that disagree).
 */
export function tenantSourcesOf(req: FastifyRequest): Omit<TenantSources, 'tokenTenantId'> {
  const cookieHeader = first(req.headers.cookie);
  return {
    header: first(req.headers['x-tenant-id']),
    host: first(req.headers.host),
    cookie: cookieHeader ? parseCookie(cookieHeader)[TENANT_COOKIE] : undefined,
  };
}
