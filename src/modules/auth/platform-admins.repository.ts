import { Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { PlatformAdminEntity } from './entities/platform-admin.entity.js';
import { PlatformRefreshTokenEntity } from './entities/platform-refresh-token.entity.js';
import type { RefreshTokenRow } from './refresh-tokens.repository.js';

const NOW = () => 'now()';

/** Platform admins and their refresh tokens, in platform scope. */
@Injectable()
export class PlatformAdminsRepository {
  async findByEmail(email: string): Promise<PlatformAdminEntity | null> {
    const em = await requestContext.platformManager();
    return em.getRepository(PlatformAdminEntity).findOneBy({ email: email.toLowerCase() });
  }

  /** Id, email and status (no password hash) of an admin: the per-request check. */
  async findById(id: string): Promise<Pick<PlatformAdminEntity, 'id' | 'email' | 'status'> | undefined> {
    const em = await requestContext.platformManager();
    return em
      .getRepository(PlatformAdminEntity)
      .createQueryBuilder('a')
      .select('a.id', 'id')
      .addSelect('a.email', 'email')
      .addSelect('a.status', 'status')
      .where('a.id = :id', { id })
      .getRawOne<Pick<PlatformAdminEntity, 'id' | 'email' | 'status'>>();
  }

  /** Whether any platform admin exists (the first one is created at boot). */
  async any(): Promise<boolean> {
    const em = await requestContext.platformManager();
    return em.getRepository(PlatformAdminEntity).exists();
  }

  /** Creates an admin unless one with this email exists (instances booting together). */
  async insertIfAbsent(email: string, passwordHash: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em
      .createQueryBuilder()
      .insert()
      .into(PlatformAdminEntity)
      .values({ email: email.toLowerCase(), passwordHash })
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

  async revokeRefreshFamily(familyId: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(PlatformRefreshTokenEntity).update({ familyId, revokedAt: IsNull() }, { revokedAt: NOW });
  }
}
