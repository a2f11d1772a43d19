import { Injectable } from '@nestjs/common';
import { IsNull, Not } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { RefreshTokenEntity } from './entities/refresh-token.entity.js';

/** What a refresh decides on, for tenant and platform tokens alike (userId: the user or admin). */
export interface RefreshTokenRow {
  id: string;
  userId: string;
  familyId: string;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

// Evaluated by Postgres: the tenant comes from the transaction's setting, never from a client.
const CURRENT_TENANT = () => 'app.current_tenant_id()';
const NOW = () => 'now()';

/** Refresh tokens of the current tenant (stored only as SHA-256 hashes). */
@Injectable()
export class RefreshTokensRepository {
  async insert(t: { userId: string; familyId: string; hash: string; expiresAt: Date }): Promise<void> {
    const em = await requestContext.tenantManager();
    await em
      .createQueryBuilder()
      .insert()
      .into(RefreshTokenEntity)
      .values({ tenantId: CURRENT_TENANT, userId: t.userId, familyId: t.familyId, tokenHash: t.hash, expiresAt: t.expiresAt })
      .updateEntity(false)
      .execute();
  }

  /** The token with this hash, locked so two concurrent refreshes cannot both use it. */
  async findByHashForUpdate(hash: string): Promise<RefreshTokenRow | undefined> {
    const em = await requestContext.tenantManager();
    // read raw: TypeORM builds entities under a lock only in a transaction it started itself
    return em
      .getRepository(RefreshTokenEntity)
      .createQueryBuilder('t')
      .select('t.id', 'id')
      .addSelect('t.userId', 'userId')
      .addSelect('t.familyId', 'familyId')
      .addSelect('t.expiresAt', 'expiresAt')
      .addSelect('t.usedAt', 'usedAt')
      .addSelect('t.revokedAt', 'revokedAt')
      .where('t.tokenHash = :hash', { hash })
      .setLock('pessimistic_write')
      .getRawOne<RefreshTokenRow>();
  }

  async markUsed(id: string): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.getRepository(RefreshTokenEntity).update({ id }, { usedAt: NOW });
  }

  /** Revokes every live token of the user (all their sessions); returns how many there were. */
  async revokeAllOfUser(userId: string): Promise<number> {
    const em = await requestContext.tenantManager();
    const result = await em.getRepository(RefreshTokenEntity).update({ userId, revokedAt: IsNull() }, { revokedAt: NOW });
    return result.affected ?? 0;
  }

  /** Revokes every live token of the user outside family `keep` (their other sessions). */
  async revokeAllOfUserExcept(userId: string, keep: string | undefined): Promise<number> {
    const em = await requestContext.tenantManager();
    const where = keep ? { userId, revokedAt: IsNull(), familyId: Not(keep) } : { userId, revokedAt: IsNull() };
    const result = await em.getRepository(RefreshTokenEntity).update(where, { revokedAt: NOW });
    return result.affected ?? 0;
  }

  /** Revokes every token of the family; returns how many were still live. */
  async revokeFamily(familyId: string): Promise<number> {
    const em = await requestContext.tenantManager();
    const result = await em.getRepository(RefreshTokenEntity).update({ familyId, revokedAt: IsNull() }, { revokedAt: NOW });
    return result.affected ?? 0;
  }
}
