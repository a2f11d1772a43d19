import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import type { RefreshTokenRow } from './refresh-tokens.repository.js';

export interface PlatformAdminRow {
  id: string;
  email: string;
  password_hash: string;
  status: string;
}

@Injectable()
export class PlatformAdminsRepository {
  async findByEmail(email: string): Promise<PlatformAdminRow | undefined> {
    const em = await requestContext.platformManager();
    const rows = await em.query('SELECT * FROM platform_admins WHERE email = $1', [email.toLowerCase()]);
    return rows[0];
  }

  async count(): Promise<number> {
    const em = await requestContext.platformManager();
    const [row] = await em.query('SELECT count(*)::int AS n FROM platform_admins');
    return row.n;
  }

  async insert(email: string, passwordHash: string): Promise<PlatformAdminRow> {
    const em = await requestContext.platformManager();
    const rows = await em.query(
      'INSERT INTO platform_admins (email, password_hash) VALUES ($1, $2) RETURNING *',
      [email.toLowerCase(), passwordHash],
    );
    return rows[0];
  }

  async insertRefreshToken(t: { adminId: string; familyId: string; hash: string; expiresAt: Date }) {
    const em = await requestContext.platformManager();
    await em.query(
      `INSERT INTO platform_refresh_tokens (admin_id, family_id, token_hash, expires_at)
       VALUES ($1, $2, $3, $4)`,
      [t.adminId, t.familyId, t.hash, t.expiresAt],
    );
  }

  async findById(id: string): Promise<PlatformAdminRow | undefined> {
    const em = await requestContext.platformManager();
    const rows = await em.query('SELECT id, email, status FROM platform_admins WHERE id = $1', [id]);
    return rows[0];
  }

  /** The refresh token with this hash, locked against a concurrent refresh. */
  async findRefreshTokenForUpdate(hash: string): Promise<RefreshTokenRow | undefined> {
    const em = await requestContext.platformManager();
    const rows = await em.query(
      `SELECT id, admin_id AS user_id, family_id, expires_at, used_at, revoked_at
         FROM platform_refresh_tokens WHERE token_hash = $1 FOR UPDATE`,
      [hash],
    );
    return rows[0];
  }

  async markRefreshTokenUsed(id: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.query('UPDATE platform_refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  /** Sets the password hash of the admin with `email`; returns the admin's id, if there is one. */
  async setPassword(email: string, passwordHash: string): Promise<string | undefined> {
    const em = await requestContext.platformManager();
    // TypeORM answers UPDATE … RETURNING with [rows, count]
    const [[admin]] = await em.query(
      'UPDATE platform_admins SET password_hash = $2, updated_at = now() WHERE email = $1 RETURNING id',
      [email, passwordHash],
    );
    return admin?.id;
  }

  /** Revokes every live refresh token of the admin; returns how many there were. */
  async revokeAllRefreshTokens(adminId: string): Promise<number> {
    const em = await requestContext.platformManager();
    const [, count] = await em.query(
      'UPDATE platform_refresh_tokens SET revoked_at = now() WHERE admin_id = $1 AND revoked_at IS NULL',
      [adminId],
    );
    return count ?? 0;
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    const em = await requestContext.platformManager();
    await em.query(
      'UPDATE platform_refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
      [familyId],
    );
  }
}
