import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { isUuid, normaliseSubdomain, RESERVED_SUBDOMAINS, subdomainFromHost, subdomainProblem } from './subdomain.js';
import { TenantCache, type ResolvedTenant } from './tenant-cache.js';
import {
  TenantMismatchError,
  TenantNotFoundError,
  TenantRequiredError,
  TenantSuspendedError,
} from './tenant.errors.js';
import { TenantRepository } from './tenant.repository.js';

export interface TenantSources {
  /** `tid` of a verified access token */
  tokenTenantId?: string;
  /** X-Tenant-ID header: uuid or subdomain */
  header?: string;
  /** Host header */
  host?: string;
  /** `tenant_id` cookie (browser clients): uuid or subdomain, the lowest precedence */
  cookie?: string;
}

/**
 * Resolves the tenant of a request from verified sources only: the token's claim, then the
 * X-Tenant-ID header, then the Host, then the `tenant_id` cookie. Two sources that disagree are a
 * tenant_mismatch.
 */
@Injectable()
export class TenantResolver {
  private readonly cache: TenantCache;

  constructor(
    private readonly repository: TenantRepository,
    private readonly config: AppConfig,
  ) {
    this.cache = new TenantCache(config.tenantCache.ttlMs, config.tenantCache.max);
  }

  async resolve(sources: TenantSources): Promise<ResolvedTenant> {
    const keys: string[] = [];
    if (sources.tokenTenantId) keys.push(sources.tokenTenantId);
    const header = sources.header?.trim();
    if (header) keys.push(header);
    // A reserved host (api.<base>, www.<base>) is where the API itself is served: not a tenant.
    const hostSub = subdomainFromHost(sources.host, this.config.baseDomain);
    if (hostSub && !RESERVED_SUBDOMAINS.has(hostSub)) keys.push(hostSub);
    const cookie = sources.cookie?.trim();
    if (cookie) keys.push(cookie);
    if (keys.length === 0) throw new TenantRequiredError();

    let resolved: ResolvedTenant | undefined;
    for (const key of keys) {
      const tenant = await this.lookup(key);
      if (!tenant) throw new TenantNotFoundError();
      if (resolved && resolved.id !== tenant.id) throw new TenantMismatchError();
      resolved = tenant;
    }
    if (resolved!.status === 'suspended') throw new TenantSuspendedError();
    return resolved!;
  }

  /** A usable (active or suspended) tenant by id or subdomain, or null. */
  async lookup(rawKey: string): Promise<ResolvedTenant | null> {
    const key = isUuid(rawKey) ? rawKey.toLowerCase() : normaliseSubdomain(rawKey);
    if (!isUuid(key) && subdomainProblem(key)) return null; // reserved or malformed: never a tenant
    let tenant = this.cache.get(key);
    if (tenant === undefined) {
      tenant = await this.repository.resolve(key);
      this.cache.set(key, tenant);
    }
    if (!tenant || tenant.status === 'deleted' || tenant.status === 'provisioning') return null;
    return tenant;
  }

  /** Forgets a tenant so the next request reads its current state. */
  invalidate(idOrSubdomain: string): void {
    this.cache.invalidate(idOrSubdomain);
  }

  /** Forgets every tenant (the change notifications were lost). */
  clearCache(): void {
    this.cache.clear();
  }

  /** Hits, misses and entries of the resolution cache, for the metrics. */
  cacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.cache.hits, misses: this.cache.misses, size: this.cache.size };
  }
}
