import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { UserEntity } from './entities/user.entity.js';

/** Every column of a user, as UPDATE … RETURNING names them. */
const USER_PROPERTIES = ['tenantId', 'id', 'email', 'passwordHash', 'role', 'status', 'createdAt', 'updatedAt'];
// Evaluated by Postgres: the tenant comes from the transaction's setting, never from a client.
const CURRENT_TENANT = () => 'app.current_tenant_id()';
const NOW = () => 'now()';

/** Users of the current tenant; every query runs under the tenant's RLS context. */
@Injectable()
export class UsersRepository {
  async findByEmail(email: string): Promise<UserEntity | null> {
    const em = await requestContext.tenantManager();
    return em.getRepository(UserEntity).findOneBy({ email: email.toLowerCase() });
  }

  async findById(id: string): Promise<UserEntity | null> {
    const em = await requestContext.tenantManager();
    return em.getRepository(UserEntity).findOneBy({ id });
  }

  /** Inserts into the current tenant: tenant_id comes from the context, never from a client. */
  async insert(user: { email: string; passwordHash: string; role: string }): Promise<UserEntity> {
    const em = await requestContext.tenantManager();
    const result = await em
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ tenantId: CURRENT_TENANT, email: user.email.toLowerCase(), passwordHash: user.passwordHash, role: user.role })
      .returning(USER_PROPERTIES)
      .updateEntity(false)
      .execute();
    return userFromRow(result.raw[0]);
  }

  /** The first admin of a tenant, read in platform scope (provisioning). */
  async findFirstAdmin(tenantId: string): Promise<{ id: string; email: string } | undefined> {
    const em = await requestContext.platformManager();
    const admin = await em.getRepository(UserEntity).findOne({
      select: { id: true, email: true },
      where: { tenantId, role: 'admin' },
      order: { createdAt: 'ASC' },
    });
    return admin ? { id: admin.id, email: admin.email } : undefined;
  }

  /** A tenant's first admin, inserted in platform scope while the tenant is provisioned. */
  async insertFirstAdmin(tenantId: string, email: string, passwordHash: string): Promise<{ id: string; email: string }> {
    const em = await requestContext.platformManager();
    const result = await em
      .createQueryBuilder()
      .insert()
      .into(UserEntity)
      .values({ tenantId, email: email.toLowerCase(), passwordHash, role: 'admin' })
      .returning(['id', 'email'])
      .updateEntity(false)
      .execute();
    const [row] = result.raw as { id: string; email: string }[];
    return { id: row.id, email: row.email };
  }

  /** How many users the current tenant has (RLS limits the count to it). */
  async count(): Promise<number> {
    const em = await requestContext.tenantManager();
    return em.getRepository(UserEntity).count();
  }

  /** One page of the tenant's users, oldest first; RLS limits the rows to the current tenant. */
  async page(limit: number, offset: number): Promise<{ rows: UserEntity[]; total: number }> {
    const em = await requestContext.tenantManager();
    const [rows, total] = await em.getRepository(UserEntity).findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { rows, total };
  }

  /** A user of tenant `tenantId`, read in platform scope (a platform admin's password reset). */
  async findInTenant(tenantId: string, id: string): Promise<{ id: string; email: string; role: string } | undefined> {
    const em = await requestContext.platformManager();
    const user = await em.getRepository(UserEntity).findOne({ select: { id: true, email: true, role: true }, where: { tenantId, id } });
    return user ? { id: user.id, email: user.email, role: user.role } : undefined;
  }

  /** Sets the password hash of the current tenant's user with this id. */
  async setPasswordById(id: string, passwordHash: string): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.getRepository(UserEntity).update({ id }, { passwordHash, updatedAt: NOW });
  }

  /** Sets the password hash of the user with `email`; returns the user's id, if there is one. */
  async setPassword(email: string, passwordHash: string): Promise<string | undefined> {
    const em = await requestContext.tenantManager();
    const result = await em
      .createQueryBuilder()
      .update(UserEntity)
      .set({ passwordHash, updatedAt: NOW })
      .where('email = :email', { email })
      .returning(['id'])
      .updateEntity(false)
      .execute();
    return (result.raw as { id: string }[])[0]?.id;
  }

  /** Changes role and/or status; the user as it is now, if there is one. */
  async update(id: string, patch: { role?: string; status?: string }): Promise<UserEntity | undefined> {
    const em = await requestContext.tenantManager();
    const set: Partial<Record<'role' | 'status', string>> = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.status !== undefined) set.status = patch.status;
    const result = await em
      .createQueryBuilder()
      .update(UserEntity)
      .set({ ...set, updatedAt: NOW })
      .where('id = :id', { id })
      .returning(USER_PROPERTIES)
      .updateEntity(false)
      .execute();
    const [row] = result.raw as Record<string, any>[];
    return row ? userFromRow(row) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    const em = await requestContext.tenantManager();
    const result = await em.getRepository(UserEntity).delete({ id });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Role and status of a user for the per-request check: one primary-key lookup, two columns,
   * read raw (no entity built).
   */
  async access(id: string): Promise<{ role: string; status: string } | undefined> {
    const em = await requestContext.tenantManager();
    return em
      .getRepository(UserEntity)
      .createQueryBuilder('u')
      .select('u.role', 'role')
      .addSelect('u.status', 'status')
      .where('u.id = :id', { id })
      .getRawOne<{ role: string; status: string }>();
  }
}

/** A user from a RETURNING row (database column names). */
function userFromRow(r: Record<string, any>): UserEntity {
  return Object.assign(new UserEntity(), {
    tenantId: r.tenant_id,
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    role: r.role,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}
