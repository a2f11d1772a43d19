import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity.js';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number;
  response: Buffer;
  keyVersion: string;
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
    const keys = em.getRepository(IdempotencyKeyEntity);
    await keys.createQueryBuilder().delete()
      .where('actor_id = :actor AND route = :route AND key = :key AND expires_at <= now()', { actor, route, key })
      .execute();
    // ON CONFLICT DO NOTHING: the insert is what waits for a concurrent holder of the key
    const claimed = await keys.createQueryBuilder().insert()
      .values({ actorId: actor, route, key, requestHash, statusCode: 0, response: Buffer.alloc(0), keyVersion: '' })
      .orIgnore()
      .returning('key')
      .updateEntity(false)
      .execute();
    if ((claimed.raw as unknown[]).length > 0) return null;
    return keys.findOneBy({ actorId: actor, route, key });
  }

  async complete(actor: string, route: string, key: string, status: number, response: Buffer, keyVersion: string) {
    const em = await requestContext.platformManager();
    await em.getRepository(IdempotencyKeyEntity).update(
      { actorId: actor, route, key },
      { statusCode: status, response, keyVersion },
    );
  }

  /** Drops every expired key (after each purge run); the count. */
  async deleteExpired(): Promise<number> {
    const em = await requestContext.platformManager();
    const result = await em.getRepository(IdempotencyKeyEntity).createQueryBuilder().delete()
      .where('expires_at <= now()')
      .execute();
    return result.affected ?? 0;
  }
}
