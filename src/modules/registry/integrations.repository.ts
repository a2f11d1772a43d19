import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import type { Sealed } from './credential-cipher.js';
import { IntegrationEntity } from './entities/integration.entity.js';

const sealedOf = (r: IntegrationEntity): Sealed => ({
  ciphertext: r.ciphertext, iv: r.iv, authTag: r.authTag, keyVersion: r.keyVersion,
});

/** Integration credentials: tenant-scoped reads and writes, platform-scoped re-encryption. */
@Injectable()
export class IntegrationsRepository {
  static sealedOf = sealedOf;

  async list(): Promise<IntegrationEntity[]> {
    const em = await requestContext.tenantManager();
    return em.getRepository(IntegrationEntity).find({ order: { name: 'ASC' } });
  }

  async find(name: string): Promise<IntegrationEntity | null> {
    const em = await requestContext.tenantManager();
    return em.getRepository(IntegrationEntity).findOneBy({ name });
  }

  /** Insert or replace in the current tenant; tenant_id comes from the context only. */
  async upsert(name: string, provider: string, fields: string[], sealed: Sealed): Promise<IntegrationEntity> {
    const em = await requestContext.tenantManager();
    await em.createQueryBuilder().insert().into(IntegrationEntity)
      .values({
        tenantId: () => 'app.current_tenant_id()',
        name,
        provider,
        fieldNames: fields,
        ciphertext: sealed.ciphertext,
        iv: sealed.iv,
        authTag: sealed.authTag,
        keyVersion: sealed.keyVersion,
      })
      // a replacement keeps created_at; updated_at takes the insert's default, now()
      .orUpdate(['provider', 'field_names', 'ciphertext', 'iv', 'auth_tag', 'key_version', 'updated_at'], ['tenant_id', 'name'])
      .updateEntity(false)
      .execute();
    return (await this.find(name))!;
  }

  async delete(name: string): Promise<boolean> {
    const em = await requestContext.tenantManager();
    return ((await em.getRepository(IntegrationEntity).delete({ name })).affected ?? 0) > 0;
  }

  // --- platform scope (key rotation) ---

  /** A batch of rows sealed under another key, locked; rows locked by others are skipped. */
  async lockStale(currentVersion: string, limit: number, tenantIds?: string[]): Promise<IntegrationEntity[]> {
    const em = await requestContext.platformManager();
    // FOR UPDATE SKIP LOCKED as plain SQL: TypeORM's setLock needs a transaction TypeORM began,
    // and the session's BEGIN is its own (db-session.ts). The rows are then read by key.
    const keys: Array<{ tenant_id: string; name: string }> = await em.query(
      `SELECT tenant_id, name FROM integrations WHERE key_version <> $1 AND ($3::uuid[] IS NULL OR tenant_id = ANY($3))
        ORDER BY tenant_id, name LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [currentVersion, limit, tenantIds ?? null],
    );
    if (keys.length === 0) return [];
    return em.getRepository(IntegrationEntity).find({
      where: keys.map((k) => ({ tenantId: k.tenant_id, name: k.name })),
      order: { tenantId: 'ASC', name: 'ASC' },
    });
  }

  async reseal(row: IntegrationEntity, sealed: Sealed): Promise<void> {
    const em = await requestContext.platformManager();
    await em.getRepository(IntegrationEntity).update(
      { tenantId: row.tenantId, name: row.name },
      { ciphertext: sealed.ciphertext, iv: sealed.iv, authTag: sealed.authTag, keyVersion: sealed.keyVersion },
    );
  }
}
