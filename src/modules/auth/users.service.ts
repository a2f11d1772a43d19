import { Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError, ValidationFailedError } from '../../common/errors.js';
import { requestContext } from '../../common/request-context.js';
import type { Page } from '../../common/paging.js';
import { AuditService } from './audit.service.js';
import type { CreateUserDto, UpdateUserDto, UserDto } from './dto/users.dto.js';
import type { UserEntity } from './entities/user.entity.js';
import { checkPasswordPolicy, PasswordService } from './password.service.js';
import { PrincipalCheck } from './principal-check.service.js';
import { UsersRepository } from './users.repository.js';

const toDto = (u: UserEntity): UserDto => ({
  id: u.id,
  email: u.email,
  role: u.role,
  status: u.status,
  createdAt: new Date(u.createdAt).toISOString(),
});

/** The tenant admin's user management; every query runs under the tenant's RLS context. */
@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly principals: PrincipalCheck,
  ) {}

  /** The first admin of a tenant being provisioned (platform scope), if it has one yet. */
  findFirstAdmin(tenantId: string): Promise<{ id: string; email: string } | undefined> {
    return this.users.findFirstAdmin(tenantId);
  }

  /** Creates the first admin of a tenant being provisioned (platform scope), from a password hash. */
  createFirstAdmin(tenantId: string, email: string, passwordHash: string): Promise<{ id: string; email: string }> {
    return this.users.insertFirstAdmin(tenantId, email, passwordHash);
  }

  /** How many users the current tenant has. */
  count(): Promise<number> {
    return this.users.count();
  }

  async list(query: { page?: number; limit?: number }): Promise<Page<UserDto>> {
    const page = query.page ?? 1;
    const limit = query.limit ?? 20;
    const { rows, total } = await this.users.page(limit, (page - 1) * limit);
    return { items: rows.map(toDto), page, limit, total };
  }

  async create(body: CreateUserDto): Promise<UserDto> {
    const email = body.email.toLowerCase();
    checkPasswordPolicy(email, body.password);
    if (await this.users.findByEmail(email)) throw new ConflictError('A user with this email already exists.');
    const user = await this.users.insert({ email, passwordHash: await this.passwords.hash(body.password), role: body.role });
    await this.audit.record({ action: 'user.created', targetType: 'user', targetId: user.id, detail: { email, role: user.role } });
    return toDto(user);
  }

  async update(id: string, body: UpdateUserDto): Promise<UserDto> {
    if (body.role === undefined && body.status === undefined) {
      throw new ValidationFailedError([{ field: 'role', message: 'send role or status' }]);
    }
    this.refuseSelf(id, body.role !== undefined && body.role !== 'admin' ? 'demote' : body.status === 'disabled' ? 'disable' : undefined);
    const before = await this.users.findById(id);
    if (!before) throw new NotFoundError('The user does not exist.');
    // Disabling revokes the user's refresh tokens in this transaction (trigger in 0005).
    const user = (await this.users.update(id, body))!;
    await this.audit.record({
      action: 'user.updated',
      targetType: 'user',
      targetId: id,
      detail: { from: { role: before.role, status: before.status }, to: { role: user.role, status: user.status } },
    });
    this.principals.changed(id);
    return toDto(user);
  }

  async remove(id: string): Promise<void> {
    this.refuseSelf(id, 'delete');
    const user = await this.users.findById(id);
    if (!user || !(await this.users.delete(id))) throw new NotFoundError('The user does not exist.');
    await this.audit.record({ action: 'user.deleted', targetType: 'user', targetId: id, detail: { email: user.email } });
    this.principals.changed(id);
  }

  // An admin who locks themselves out leaves the tenant without anyone to undo it.
  private refuseSelf(id: string, what: string | undefined) {
    if (what && requestContext.get()?.principal?.subject === id) {
      throw new ConflictError(`You cannot ${what} your own account.`);
    }
  }
}
