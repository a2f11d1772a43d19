import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { requestContext } from '../../common/request-context.js';
import { PasswordResetEntity } from './entities/password-reset.entity.js';

/** A reset token's row as redemption decides on it; `expired` by the database's clock. */
export interface PasswordResetRow {
  id: string;
  userId: string;
  usedAt: Date | null;
  expired: boolean;
}

// Evaluated by Postgres: the tenant comes from the transaction's setting, never from a client.
const CURRENT_TENANT = () => 'app.current_tenant_id()';
const NOW = () => 'now()';

/**
 * Table password_resets, owned by the auth module: single-use reset tokens, stored only as
 * SHA-256 hashes, valid 15 minutes (the column's default). Tenant methods run in the request's
 * tenant transaction, so RLS keeps them to the current tenant; the *ForTenant ones run in
 * platform scope for a platform admin's reset.
 */
@Injectable()
export class PasswordResetsRepository {
  /** A new token for a user of the current tenant, replacing the user's unused ones. */
  async insert(userId: string, hash: string): Promise<{ expiresAt: Date }> {
    return this.replace(await requestContext.tenantManager(), CURRENT_TENANT, userId, hash);
  }

  /** A new token for a user of `tenantId`, from platform scope, replacing the user's unused ones. */
  async insertForTenant(tenantId: string, userId: string, hash: string): Promise<{ expiresAt: Date }> {
    return this.replace(await requestContext.platformManager(), tenantId, userId, hash);
  }

  private async replace(em: EntityManager, tenantId: string | (() => string), userId: string, hash: string) {
    // only the newest token of a user works: an earlier one left lying in a mailbox is void
    const earlier = em.getRepository(PasswordResetEntity).createQueryBuilder().delete().where('user_id = :userId AND used_at IS NULL', { userId });
    if (typeof tenantId === 'string') earlier.andWhere('tenant_id = :tenantId', { tenantId });
    await earlier.execute();
    const result = await em
      .createQueryBuilder()
      .insert()
      .into(PasswordResetEntity)
      .values({ tenantId, userId, tokenHash: hash })
      .returning(['expiresAt'])
      .updateEntity(false)
      .execute();
    return { expiresAt: new Date((result.raw as { expires_at: Date }[])[0].expires_at) };
  }

  /** The current tenant's token with this hash, locked so that two redemptions cannot both use it. */
  async findByHashForUpdate(hash: string): Promise<PasswordResetRow | undefined> {
    const em = await requestContext.tenantManager();
    // read raw: TypeORM builds entities under a lock only in a transaction it started itself
    return em
      .getRepository(PasswordResetEntity)
      .createQueryBuilder('r')
      .select('r.id', 'id')
      .addSelect('r.userId', 'userId')
      .addSelect('r.usedAt', 'usedAt')
      .addSelect('r.expiresAt <= now()', 'expired')
      .where('r.tokenHash = :hash', { hash })
      .setLock('pessimistic_write')
      .getRawOne<PasswordResetRow>();
  }

  async markUsed(id: string): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.getRepository(PasswordResetEntity).update({ id }, { usedAt: NOW });
  }
}
