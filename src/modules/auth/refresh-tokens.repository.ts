import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

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
}
