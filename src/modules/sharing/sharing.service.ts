import { Injectable } from '@nestjs/common';
import type { FieldError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import { AuditService } from '../auth/audit.service.js';
import { hasPermissions } from '../auth/permissions.js';
import type { Page } from '../../common/paging.js';
import { TenantService } from '../tenant/tenant.service.js';
import type { CreateResourceDto, ListResourcesQuery, SharingDto, UpdateResourceDto } from './dto/resource.dto.js';
import {
  GlobalPublishForbiddenError, InvalidSharingError, NotResourceOwnerError, ResourceNotFoundError,
  SharePermissionRequiredError,
} from './sharing.errors.js';
import { SharingRepository, type ResourceView } from './sharing.repository.js';

/** Whether the caller's role holds resources:share (admin); the route itself needs only write. */
function mayShare(): boolean {
  const principal = requestContext.get()?.principal;
  return principal?.scope === 'tenant' && hasPermissions(principal.role, ['resources:share']);
}

/**
 * Resources and their sharing. Visibility and owner-only writes are the database's policies;
 * the checks here only choose the answer (404 invisible, 403 visible-but-not-owned, 400 unknown
 * grantee) and give the friendlier 403 for a global publish the database would refuse anyway.
 */
@Injectable()
export class SharingService {
  constructor(
    private readonly resources: SharingRepository,
    private readonly audit: AuditService,
    private readonly tenants: TenantService,
  ) {}

  async list(q: ListResourcesQuery): Promise<Page<ResourceView>> {
    const page = q.page ?? 1;
    const limit = q.limit ?? 20;
    const { items, total } = await this.resources.list({ scope: q.scope ?? 'all', kind: q.kind, page, limit });
    return { items, page, limit, total };
  }

  async get(id: string): Promise<ResourceView> {
    const found = await this.resources.findVisible(id);
    if (!found) throw new ResourceNotFoundError();
    return found;
  }

  async create(body: CreateResourceDto): Promise<ResourceView> {
    const sharing = body.sharing ?? { mode: 'private' as const };
    // Sharing at creation is sharing: the same permission as PUT /v1/resources/:id/sharing,
    // checked before anything is read or written.
    if (sharing.mode !== 'private' && !mayShare()) throw new SharePermissionRequiredError();
    const grantees = await this.checkSharing(sharing);
    const id = await this.resources.insert({ kind: body.kind, name: body.name, content: body.content, mode: sharing.mode });
    if (sharing.mode === 'selective') await this.resources.replaceShares(id, grantees);
    await this.audit.record({ action: 'resource.created', targetType: 'resource', targetId: id, detail: { kind: body.kind, mode: sharing.mode } });
    return this.get(id);
  }

  async update(id: string, body: UpdateResourceDto): Promise<ResourceView> {
    await this.owned(id);
    if (body.name !== undefined || body.content !== undefined) {
      if ((await this.resources.update(id, body)) === 0) throw new ResourceNotFoundError();
      await this.audit.record({
        action: 'resource.updated', targetType: 'resource', targetId: id,
        detail: { fields: Object.keys(body).filter((k) => k === 'name' || k === 'content') },
      });
    }
    return this.get(id);
  }

  async delete(id: string): Promise<void> {
    await this.owned(id);
    // the shares go with it (ON DELETE CASCADE)
    if ((await this.resources.delete(id)) === 0) throw new ResourceNotFoundError();
    await this.audit.record({ action: 'resource.deleted', targetType: 'resource', targetId: id });
  }

  async setSharing(id: string, sharing: SharingDto): Promise<ResourceView> {
    await this.owned(id);
    const grantees = await this.checkSharing(sharing);
    if ((await this.resources.setMode(id, sharing.mode)) === 0) throw new ResourceNotFoundError();
    // Narrowing or leaving selective drops the share rows in the same transaction: the dropped
    // tenants lose the resource on their next request.
    await this.resources.replaceShares(id, sharing.mode === 'selective' ? grantees : []);
    await this.audit.record({
      action: 'resource.sharing_changed', targetType: 'resource', targetId: id,
      detail: { mode: sharing.mode, grantees: grantees.length },
    });
    return this.get(id);
  }

  /** 404 when the current tenant cannot see it, 403 when it sees it but does not own it. */
  private async owned(id: string): Promise<ResourceView> {
    const found = await this.resources.findVisible(id);
    if (!found) throw new ResourceNotFoundError();
    if (!found.owned) throw new NotResourceOwnerError();
    return found;
  }

  /** Validates a sharing setting; the grantee tenant ids (self and duplicates dropped). */
  private async checkSharing(sharing: Pick<SharingDto, 'mode' | 'tenants'>): Promise<string[]> {
    if (sharing.mode !== 'selective') {
      if (sharing.tenants !== undefined && sharing.tenants.length > 0) {
        throw new InvalidSharingError([{ field: 'sharing.tenants', message: 'tenants may only be given with mode "selective"' }]);
      }
      if (sharing.mode === 'global' && (await this.tenants.current()).type !== 'platform') {
        throw new GlobalPublishForbiddenError();
      }
      return [];
    }
    const keys = [...new Set(sharing.tenants ?? [])];
    if (keys.length === 0) return [];
    const resolved = await this.resources.resolveTenants(keys);
    const errors: FieldError[] = [];
    (sharing.tenants ?? []).forEach((key, i) => {
      if (!resolved.get(key)) errors.push({ field: `tenants.${i}`, message: "names no tenant" });
    });
    if (errors.length > 0) throw new InvalidSharingError(errors);
    const self = requestContext.get()?.tenantId;
    // sharing with yourself is ignored
    return [...new Set([...resolved.values()] as string[])].filter((id) => id !== self).sort();
  }
}
