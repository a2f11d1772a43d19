import type { ResolvedTenant } from '../modules/tenant/tenant-cache.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the auth guard from a verified access token */
    principal?: Principal;
    /** set by the tenant-context interceptor once the tenant is resolved */
    tenant?: ResolvedTenant;
  }
}

export {};
