import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/errors.js';
import type { Page } from '../../common/paging.js';
import { AuditService } from './audit.service.js';
import { LastOwnerError } from './auth.errors.js';
import type { CreatePlatformAdminDto, PlatformAdminDto, UpdatePlatformAdminDto } from './dto/platform-admins.dto.js';
import { checkPasswordPolicy } from './password-policy.js';
import { PasswordService } from './password.service.js';
import { PlatformAdminsRepository, type PlatformAdminRow } from './platform-admins.repository.js';
import { PrincipalCheck } from './principal-check.service.js';

const toDto = (a: PlatformAdminRow): PlatformAdminDto => ({
  id: a.id,
  email: a.email,
  role: a.role,
  status: a.status,
  createdAt: new Date(a.createdAt).toISOString(),
});

/**
 * The owners' management of platform admins, in the request's platform transaction. Every change
 * is in platform_audit_logs and ends the admin's sessions (refresh tokens revoked; a live access
 * token names the old role or belongs to a disabled admin, so the principal check refuses it on
 * the next request). The last active owner cannot be demoted, disabled or deleted.
 */
@Injectable()
export class PlatformAdminsService {
  constructor(
    private readonly admins: PlatformAdminsRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly principals: PrincipalCheck,
  ) {}

  async list(query: { page?: number; limit?: number }): Promise<Page<PlatformAdminDto>> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 20;
    const { rows, total } = await this.admins.page(limit, (page - 1) * limit);
    return { items: rows.map(toDto), page, limit, total };
  }

  async create(body: CreatePlatformAdminDto): Promise<PlatformAdminDto> {
    const email = body.email.toLowerCase();
    checkPasswordPolicy(email, body.password);
    if (await this.admins.findByEmail(email)) throw new ConflictError('A platform admin with this email already exists.');
    const admin = await this.admins.insert({ email, passwordHash: await this.passwords.hash(body.password), role: body.role });
    await this.audit.recordPlatformChange({
      action: 'platform_admin.created',
      targetType: 'platform_admin',
      targetId: admin.id,
      detail: { email, role: admin.role },
    });
    return toDto(admin);
  }

  async update(id: string, body: UpdatePlatformAdminDto): Promise<PlatformAdminDto> {
    if (body.role === undefined && body.status === undefined) {
      throw new ValidationFailedError([{ field: 'role', message: 'send role or status' }]);
    }
    const owners = await this.admins.lockActiveOwners();
    const before = await this.admins.findForUpdate(id);
    if (!before) throw new NotFoundError('The platform admin does not exist.');
    const role = body.role ?? before.role;
    const status = body.status ?? before.status;
    if (isLastOwner(owners, id) && (role !== 'owner' || status !== 'active')) {
      throw new LastOwnerError(status !== 'active' ? 'disabled' : 'demoted');
    }
    const admin = (await this.admins.update(id, body))!;
    const revoked = await this.admins.revokeAllRefreshTokens(id);
    await this.audit.recordPlatformChange({
      action: 'platform_admin.updated',
      targetType: 'platform_admin',
      targetId: id,
      detail: {
        from: { role: before.role, status: before.status },
        to: { role: admin.role, status: admin.status },
        revokedRefreshTokens: revoked,
      },
    });
    this.principals.changed(id);
    return toDto(admin);
  }

  async remove(id: string): Promise<void> {
    const owners = await this.admins.lockActiveOwners();
    const admin = await this.admins.findForUpdate(id);
    if (!admin) throw new NotFoundError('The platform admin does not exist.');
    if (isLastOwner(owners, id)) throw new LastOwnerError('deleted');
    // its refresh tokens go with it (ON DELETE CASCADE); its access token finds no admin
    await this.admins.delete(id);
    this.principals.changed(id);
    await this.audit.recordPlatformChange({
      action: 'platform_admin.deleted',
      targetType: 'platform_admin',
      targetId: id,
      detail: { email: admin.email, role: admin.role, status: admin.status },
    });
  }
}

/** Whether `id` is the only active owner, among the owners locked by this transaction. */
function isLastOwner(owners: string[], id: string): boolean {
  return owners.length === 1 && owners[0] === id;
}
