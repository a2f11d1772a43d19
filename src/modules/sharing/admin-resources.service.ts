import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../common/errors.js';
import type { Page } from '../../common/paging.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from '../auth/audit.service.js';
import { TenantService, type TenantSummary } from '../tenant/tenant.service.js';
import { AdminResourcesRepository } from './admin-resources.repository.js';
import type { ListAdminResourcesQuery } from './dto/admin-resource.dto.js';
import type { SharingDto } from './dto/resource.dto.js';
import type { ResourceEntity } from './entities/resource.entity.js';
import {
  InvalidSharingError, ResourceNotFoundError, SharingWideningRefusedError, UnknownTenantError,
} from './sharing.errors.js';
import type { ResourceView, SharingMode } from './sharing.repository.js';

/** A shared resource as platform admins see it: its owner, and its grantees' ids always. */
export interface AdminResourceView extends ResourceView {
  sharing: { mode: SharingMode; tenants: string[] };
  owner: TenantSummary;
}

export interface AdminResourceDetail extends AdminResourceView {
  grantees: TenantSummary[];
}

/**
 * Platform admins' view of what tenants share (docs/api.md "Shared resources, for platform
 * admins"). What they may see and change is the platform role's policies
 * (0031_platform_shared_resources.sql): a private resource is not there for them (404). The
 * checks here only choose the answer: 400 for an unknown tenant, 409 for a widening (which the
 * database would refuse for the mode, and which the service refuses for grantees).
 * Each change is audited twice in its transaction: in the platform trail and in the owner's.
 */
@Injectable()
export class AdminResourcesService {
  constructor(
    private readonly resources: AdminResourcesRepository,
    private readonly tenants: TenantService,
    private readonly audit: AuditService,
  ) {}

  async list(q: ListAdminResourcesQuery): Promise<Page<AdminResourceView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { rows, total } = await this.resources.page({ ownerTenantId: q.ownerTenantId, mode: q.mode, kind: q.kind, q: q.q, page, limit });
    return { items: await this.views(rows), page, limit, total };
  }

  async get(id: string): Promise<AdminResourceDetail> {
    const row = await this.resources.find(id);
    if (!row) throw new ResourceNotFoundError();
    return this.detail(row);
  }

  /** What a tenant shares and what is shared with it; 404 for an unknown tenant. */
  async tenantShares(tenantId: string): Promise<{ granted: AdminResourceView[]; received: AdminResourceView[] }> {
    if (!(await this.tenants.findById(tenantId))) throw new UnknownTenantError();
    const [granted, received] = [await this.resources.grantedBy(tenantId), await this.resources.receivedBy(tenantId)];
    return { granted: await this.views(granted), received: await this.views(received) };
  }

  /**
   * Takes a shared resource down (`private`) or narrows it (`selective` with fewer grantees, or
   * a global one to listed tenants). The same sharing again changes nothing and writes nothing.
   */
  async setSharing(id: string, body: SharingDto): Promise<AdminResourceDetail> {
    const row = await this.resources.findForUpdate(id);
    if (!row) throw new ResourceNotFoundError();
    if (body.mode !== 'selective' && (body.tenants?.length ?? 0) > 0) {
      throw new InvalidSharingError([{ field: 'tenants', message: 'tenants may only be given with mode "selective"' }]);
    }
    const from = row.sharingMode as SharingMode;
    const shares = (await this.resources.grantees([row.id])).get(row.id)!;
    const current = from === 'selective' ? shares : [];
    let next: string[];
    if (body.mode === 'global') {
      if (from !== 'global') throw new SharingWideningRefusedError();
      next = [];
    } else if (body.mode === 'private') {
      next = [];
    } else {
      next = await this.narrowed(row, from, current, body.tenants ?? []);
    }
    if (body.mode === from && sameSet(next, current)) return this.detail(row);

    // Share rows first, while the resource is still shared (the platform sees no share row of a
    // private one), then the mode. The dropped tenants lose it on their next request.
    const removed = shares.filter((g) => !next.includes(g));
    const added = from === 'global' && body.mode === 'selective' ? next : undefined;
    await this.resources.deleteSharesExcept(row.tenantId, row.id, next);
    if (added) await this.resources.insertShares(row.tenantId, row.id, added);
    const updatedAt = await this.resources.setMode(row.tenantId, row.id, body.mode);
    if (!updatedAt) throw new ResourceNotFoundError();

    const detail = { from, to: body.mode, removed, ...(added ? { added } : {}) };
    await this.record(row, 'resource.sharing_changed', detail);
    // A private resource is no longer the platform's to read: the answer is built from what was
    // read before and what was written.
    return this.detail(row, { mode: body.mode, tenants: next, updatedAt });
  }

  async delete(id: string): Promise<void> {
    const row = await this.resources.findForUpdate(id);
    if (!row) throw new ResourceNotFoundError();
    const grantees = (await this.resources.grantees([row.id])).get(row.id)!;
    // the share rows go with it (ON DELETE CASCADE)
    if ((await this.resources.delete(row.tenantId, row.id)) === 0) throw new ResourceNotFoundError();
    await this.record(row, 'resource.deleted', {
      kind: row.kind, name: row.name, mode: row.sharingMode, grantees: row.sharingMode === 'selective' ? grantees : [],
    });
  }

  /**
   * The grantees of a `selective` request: for a selective resource a subset of its grantees
   * (another tenant is a widening, 409), for a global one any tenants. The owner is dropped, as
   * on the owner's own route; an unknown tenant is 400 naming the index.
   */
  private async narrowed(row: ResourceEntity, from: SharingMode, current: string[], keys: string[]): Promise<string[]> {
    const known = await this.tenants.summaries(current);
    const byKey = (key: string) =>
      current.find((id) => id === key.toLowerCase() || known.get(id)?.subdomain === key.trim().toLowerCase());
    const unmatched = [...new Set(keys.filter((k) => !byKey(k)))];
    const resolved = unmatched.length > 0 ? await this.resources.resolveTenants(unmatched) : new Map<string, string | null>();
    const errors: FieldError[] = [];
    keys.forEach((key, i) => {
      if (!byKey(key) && !resolved.get(key)) errors.push({ field: `tenants.${i}`, message: 'names no tenant' });
    });
    if (errors.length > 0) throw new InvalidSharingError(errors);
    const ids = [...new Set(keys.map((k) => byKey(k) ?? resolved.get(k)!))].filter((t) => t !== row.tenantId).sort();
    if (from === 'selective' && ids.some((t) => !current.includes(t))) throw new SharingWideningRefusedError();
    return ids;
  }

  /** The change in the platform trail, and in the owner's trail as the platform's doing. */
  private async record(row: ResourceEntity, action: string, detail: Record<string, unknown>): Promise<void> {
    await this.audit.recordPlatformChange({
      action, targetType: 'resource', targetId: row.id, targetTenantId: row.tenantId, detail,
    });
    await this.audit.recordForTenant(row.tenantId, {
      action: `${action}_by_platform`, actorId: null, targetType: 'resource', targetId: row.id,
      detail: { ...detail, platformAdminId: requestContext.get()?.principal?.subject ?? null },
    });
  }

  private async views(rows: ResourceEntity[]): Promise<AdminResourceView[]> {
    const grantees = await this.resources.grantees(rows.filter((r) => r.sharingMode === 'selective').map((r) => r.id));
    const owners = await this.tenants.summaries(rows.map((r) => r.tenantId));
    return rows.map((r) => view(r, owners.get(r.tenantId)!, { mode: r.sharingMode as SharingMode, tenants: grantees.get(r.id) ?? [] }));
  }

  private async detail(
    row: ResourceEntity,
    written?: { mode: SharingMode; tenants: string[]; updatedAt: Date },
  ): Promise<AdminResourceDetail> {
    const sharing = written
      ? { mode: written.mode, tenants: written.tenants }
      : { mode: row.sharingMode as SharingMode, tenants: row.sharingMode === 'selective' ? (await this.resources.grantees([row.id])).get(row.id)! : [] };
    const tenants = await this.tenants.summaries([row.tenantId, ...sharing.tenants]);
    return {
      ...view(written ? { ...row, updatedAt: written.updatedAt } : row, tenants.get(row.tenantId)!, sharing),
      grantees: sharing.tenants.flatMap((id) => tenants.get(id) ?? []),
    };
  }
}

function view(r: ResourceEntity, owner: TenantSummary, sharing: AdminResourceView['sharing']): AdminResourceView {
  return {
    id: r.id,
    ownerTenantId: r.tenantId,
    owned: false,
    kind: r.kind,
    name: r.name,
    content: r.content,
    sharing,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
    owner,
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
