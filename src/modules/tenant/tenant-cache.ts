/** What tenant resolution needs to know, from app.resolve_tenant(). */
export interface ResolvedTenant {
  id: string;
  subdomain: string;
  status: 'provisioning' | 'active' | 'suspended' | 'deleted';
  type: 'client' | 'solution' | 'industry' | 'platform';
  tier: 'free' | 'professional' | 'enterprise';
}

interface Entry {
  tenant: ResolvedTenant | null;
  expiresAt: number;
}

/**
 * In-process resolution cache: TTL plus a size bound (least recently used out first), keyed by
 * id and by subdomain. Misses are cached briefly so unknown names cannot hammer the database.
 */
export class TenantCache {
  private readonly entries = new Map<string, Entry>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly negativeTtlMs = Math.min(ttlMs, 2_000),
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** undefined: not cached; null: cached as unknown. */
  get(key: string): ResolvedTenant | null | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      if (entry) this.entries.delete(key);
      this.misses++;
      return undefined;
    }
    // refresh recency
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.tenant;
  }

  set(key: string, tenant: ResolvedTenant | null): void {
    if (this.ttlMs <= 0) return;
    const ttl = tenant ? this.ttlMs : this.negativeTtlMs;
    const put = (k: string) => {
      this.entries.delete(k);
      this.entries.set(k, { tenant, expiresAt: this.now() + ttl });
    };
    put(key);
    if (tenant) {
      put(tenant.id);
      put(tenant.subdomain);
    }
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drops every entry of a tenant (by id or subdomain), e.g. after suspend or rename. */
  invalidate(idOrSubdomain: string): void {
    const hit = this.entries.get(idOrSubdomain)?.tenant;
    this.entries.delete(idOrSubdomain);
    if (hit) {
      this.entries.delete(hit.id);
      this.entries.delete(hit.subdomain);
    }
    for (const [key, entry] of this.entries) {
      if (entry.tenant && (entry.tenant.id === idOrSubdomain || entry.tenant.subdomain === idOrSubdomain)) {
        this.entries.delete(key);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
