import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { PlatformAdminEntity } from './entities/platform-admin.entity.js';
import { PlatformRefreshTokenEntity } from './entities/platform-refresh-token.entity.js';
import type { RefreshTokenRow } from './refresh-tokens.repository.js';

const NOW = () => 'now()';

/** An admin as the API shows it (no password hash). */
export type PlatformAdminRow = Pick<PlatformAdminEntity, 'id' | 'email' | 'role' | 'status' | 'createdAt'>;

/** Platform admins and their refresh tokens, in platform scope. */
@Injectable()
export class PlatformAdminsRepository {
  async findByEmail(email: string): Promise<PlatformAdminEntity | null> {
    const em = await requestContext.platformManager();
    return em.getRepository(PlatformAdminEntity).findOneBy({ email: email.toLowerCase() });
  }

  /** Id, email, role and status (no password hash) of an admin: the per-request check. */
  async findById(id: string): Promise<Pick<PlatformAdminEntity, 'id' | 'email' | 'role' | 'status'> | undefined> {
    const em = await requestContext.platformManager();
    return em
      .getRepository(PlatformAdminEntity)
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .addSelect('a.email', 'email')
      .addSelect('a.role', 'role')
      .addSelect('a.status', 'status')
      .where('a.id = :id', { id })
      .getRawOne<Pick<PlatformAdminEntity, 'id' | 'email' | 'role' | 'status'>>();
  }

  /** An admin with its password hash (own password change). */
  async findWithHash(id: string): Promise<PlatformAdminEntity | null> {
    const em = await requestContext.platformManager();
    return em.getRepository(PlatformAdminEntity).findOneBy({ id });
  }

  /** One page of the admins, oldest first. */
  async page(limit: number, offset: number): Promise<{ rows: PlatformAdminRow[]; total: number }> {
    const em = await requestContext.platformManager();
    const [rows, total] = await em.getRepository(PlatformAdminEntity).findAndCount({
      select: { id: true, email: true, role: true, status: true, createdAt: true },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { rows, total };
  }

  /** A new admin; a taken email is a unique violation (409). */
  async insert(a: { email: string; passwordHash: string; role: string }): Promise<PlatformAdminRow> {
    const em = await requestContext.platformManager();
    const result = await em
      .createQueryBuilder()
      .insert()
      .into(PlatformAdminEntity)
      .values({ email: a.email.toLowerCase(), passwordHash: a.passwordHash, role: a.role })
      .returning(['id', 'email', 'role', 'status', 'createdAt'])
      .updateEntity(false)
      .execute();
    const [r] = result.raw as { id: string; email: string; role: string; status: string; created_at: Date }[];
    return { id: r.id, email: r.email, role: r.role, status: r.status, createdAt: r.created_at };
  }

  /**
   * Locks the rows of every active owner, in id order (so two transactions queue instead of
   * deadlocking), and returns their ids. A transaction that then demotes, disables or deletes an
   * owner sees the owners as any earlier such change committed them: the last one cannot be
   * removed by two changes racing.
   */
  async lockActiveOwners(): Promise<string[]> {
    const em = await requestContext.platformManager();
    // read raw: TypeORM builds entities under a lock only in a transaction it started itself
    const rows = await em
      .getRepository(PlatformAdminEntity)
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .where("a.role = 'owner' AND a.status = 'active'")
      .orderBy('a.id')
      .setLock('pessimistic_write')
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /** The admin, its row locked for the change that follows. */
  async findForUpdate(id: string): Promise<PlatformAdminRow | undefined> {
    const em = await requestContext.platformManager();
    return em
      .getRepository(PlatformAdminEntity)
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .addSelect('a.email', 'email')
      .addSelect('a.role', 'role')
      .addSelect('a.status', 'status')
      .addSelect('a.createdAt', 'createdAt')
      .where('a.id = :id', { id })
      .setLock('pessimistic_write')
      .getRawOne<PlatformAdminRow>();
  }

  /** Changes role and/or status; the admin as it is now. */
  async update(id: string, patch: { role?: string; status?: string }): Promise<PlatformAdminRow | undefined> {
    const em = await requestContext.platformManager();
    const set: Partial<Record<'role' | 'status', string>> = {};
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.status !== undefined) set.status = patch.status;
    const result = await em
      .createQueryBuilder()
      .update(PlatformAdminEntity)
      .set({ ...set, updatedAt: NOW })
      .where('id = :id', { id })
      .returning(['id', 'email', 'role', 'status', 'createdAt'])
      .updateEntity(false)
      .execute();
    const [r] = result.raw as { id: string; email: string; role: string; status: string; created_at: Date }[];
    return r ? { id: r.id, email: r.email, role: r.role, status: r.status, createdAt: r.created_at } : undefined;
  }

  /** Deletes the admin (its refresh tokens go with it: ON DELETE CASCADE). */
  async delete(id: string): Promise<boolean> {
    const em = await requestContext.platformManager();
    return ((await em.getRepository(PlatformAdminEntity).delete({ id })).affected ?? 0) > 0;
  }

  /** Sets the password hash of the admin with this id. */
  async setPasswordById(id: string, passwordHash: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(PlatformAdminEntity).update({ id }, { passwordHash, updatedAt: NOW });
  }

  /** Whether any platform admin exists (the first one is created at boot). */
  async any(): Promise<boolean> {
    const em = await requestContext.platformManager();
    return em.getRepository(PlatformAdminEntity).exists();
  }

  /** Creates an owner unless an admin with this email exists (instances booting together). */
  async insertIfAbsent(email: string, passwordHash: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em
      .createQueryBuilder()
      .insert()
      .into(PlatformAdminEntity)
      .values({ email: email.toLowerCase(), passwordHash, role: 'owner' })
      .orIgnore()
      .updateEntity(false)
      .execute();
  }

  async insertRefreshToken(t: { adminId: string; familyId: string; hash: string; expiresAt: Date }): Promise<void> {
    const em = await requestContext.platformManager();
    await em
      .createQueryBuilder()
      .insert()
      .into(PlatformRefreshTokenEntity)
      .values({ adminId: t.adminId, familyId: t.familyId, tokenHash: t.hash, expiresAt: t.expiresAt })
      .updateEntity(false)
      .execute();
  }

  /** The refresh token with this hash, locked against a concurrent refresh. */
  async findRefreshTokenForUpdate(hash: string): Promise<RefreshTokenRow | undefined> {
    const em = await requestContext.platformManager();
    // read raw: TypeORM builds entities under a lock only in a transaction it started itself
    return em
      .getRepository(PlatformRefreshTokenEntity)
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .addSelect('t.adminId', 'userId')
      .addSelect('t.familyId', 'familyId')
      .addSelect('t.expiresAt', 'expiresAt')
      .addSelect('t.usedAt', 'usedAt')
      .addSelect('t.revokedAt', 'revokedAt')
      .where('t.tokenHash = :hash', { hash })
      .setLock('pessimistic_write')
      .getRawOne<RefreshTokenRow>();
  }

  async markRefreshTokenUsed(id: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(PlatformRefreshTokenEntity).update({ id }, { usedAt: NOW });
  }

  /** Sets the password hash of the admin with `email`; returns the admin's id, if there is one. */
  async setPassword(email: string, passwordHash: string): Promise<string | undefined> {
    const em = await requestContext.platformManager();
    const result = await em
      .createQueryBuilder()
      .update(PlatformAdminEntity)
      .set({ passwordHash, updatedAt: NOW })
      .where('email = :email', { email })
      .returning(['id'])
      .updateEntity(false)
      .execute();
    return (result.raw as { id: string }[])[0]?.id;
  }

  /** Revokes every live refresh token of the admin; returns how many there were. */
  async revokeAllRefreshTokens(adminId: string): Promise<number> {
    const em = await requestContext.platformManager();
    const result = await em
      .getRepository(PlatformRefreshTokenEntity)
      .update({ adminId, revokedAt: IsNull() }, { revokedAt: NOW });
    return result.affected ?? 0;
  }

  /** Revokes every live refresh token of the admin outside family `keep` (its other sessions). */
  async revokeRefreshTokensExcept(adminId: string, keep: string | undefined): Promise<number> {
    const em = await requestContext.platformManager();
    const where = keep ? { adminId, revokedAt: IsNull(), familyId: Not(keep) } : { adminId, revokedAt: IsNull() };
    const result = await em.getRepository(PlatformRefreshTokenEntity).update(where, { revokedAt: NOW });
    return result.affected ?? 0;
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(PlatformRefreshTokenEntity).update({ familyId, revokedAt: IsNull() }, { revokedAt: NOW });
  }
}
