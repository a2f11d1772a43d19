import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

export interface StoredAnswer {
  request_hash: string;
  status_code: number;
  response: Buffer;
  key_version: string;
}

/** Idempotency keys of platform-admin POSTs, in the request's platform transaction. */
@Injectable()
export class IdempotencyRepository {
  /**
   * Claims the key for this transaction. When another transaction holds it, Postgres waits for
   * that one to finish: committed → the stored answer comes back; rolled back → the claim wins.
   */
  async claim(actor: string, route: string, key: string, requestHash: string): Promise<StoredAnswer | null> {
    const em = await requestContext.platformManager();
    await em.query(
      'DELETE FROM idempotency_keys WHERE actor_id = $1 AND route = $2 AND key = $3 AND expires_at <= now()',
      [actor, route, key],
    );
    const claimed = await em.query(
      `INSERT INTO idempotency_keys (actor_id, route, key, request_hash, status_code, response, key_version)
       VALUES ($1, $2, $3, $4, 0, '\\x'::bytea, '') ON CONFLICT DO NOTHING RETURNING key`,
      [actor, route, key, requestHash],
    );
    if (claimed.length > 0) return null;
    const rows = await em.query(
      'SELECT request_hash, status_code, response, key_version FROM idempotency_keys WHERE actor_id = $1 AND route = $2 AND key = $3',
      [actor, route, key],
    );
    return rows[0] ?? null;
  }

  async complete(actor: string, route: string, key: string, status: number, response: Buffer, keyVersion: string) {
    const em = await requestContext.platformManager();
    await em.query(
      `UPDATE idempotency_keys SET status_code = $4, response = $5, key_version = $6
        WHERE actor_id = $1 AND route = $2 AND key = $3`,
      [actor, route, key, status, response, keyVersion],
    );
  }
}
