import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

export interface RefreshTokenRow {
  id: string;
  user_id: string;
  family_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Refresh tokens of the current tenant (stored only as SHA-256 hashes). */
@Injectable()
export class RefreshTokensRepository {
  async insert(t: { userId: string; familyId: string; hash: string; expiresAt: Date }): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.query(
      `INSERT INTO refresh_tokens (tenant_id, user_id, family_id, token_hash, expires_at)
       VALUES (app.current_tenant_id(), $1, $2, $3, $4)`,
      [t.userId, t.familyId, t.hash, t.expiresAt],
    );
  }

  /** The token with this hash, locked so two concurrent refreshes cannot both use it. */
  async findByHashForUpdate(hash: string): Promise<RefreshTokenRow | undefined> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `SELECT id, user_id, family_id, expires_at, used_at, revoked_at
         FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [hash],
    );
    return rows[0];
  }

  async markUsed(id: string): Promise<void> {
    const em = await requestContext.tenantManager();
    await em.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  /** Revokes every live token of the user (all their sessions); returns how many there were. */
  async revokeAllOfUser(userId: string): Promise<number> {
    const em = await requestContext.tenantManager();
    const [, count] = await em.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    return count ?? 0;
  }

  /** Revokes every token of the family; returns how many were still live. */
  async revokeFamily(familyId: string): Promise<number> {
    const em = await requestContext.tenantManager();
    const [, count] = await em.query(
      'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
    return count ?? 0;
  }
}
