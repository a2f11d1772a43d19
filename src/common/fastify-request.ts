import type { ResolvedTenant } from '../modules/tenant/tenant-cache.js';
import type { Principal } from './principal.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** set by the request pipeline from a verified access token */
    principal?: Principal;
    /** set by the request pipeline once the tenant is resolved */
    tenant?: ResolvedTenant;
  }
}

export {};
