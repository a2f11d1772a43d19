import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { affectedOf } from '../../database/query-rows.js';
import type { Sealed } from './credential-cipher.js';

export interface IntegrationRow {
  tenant_id: string;
  name: string;
  provider: string;
  field_names: string[];
  ciphertext: Buffer;
  iv: Buffer;
  auth_tag: Buffer;
  key_version: string;
  created_at: Date;
  updated_at: Date;
}

const sealedOf = (r: IntegrationRow): Sealed => ({
  ciphertext: r.ciphertext, iv: r.iv, authTag: r.auth_tag, keyVersion: r.key_version,
});

/** Integration credentials: tenant-scoped reads and writes, platform-scoped re-encryption. */
@Injectable()
export class IntegrationsRepository {
  static sealedOf = sealedOf;

  async list(): Promise<IntegrationRow[]> {
    const em = await requestContext.tenantManager();
    return em.query('SELECT * FROM integrations ORDER BY name');
  }

  async find(name: string): Promise<IntegrationRow | undefined> {
    const em = await requestContext.tenantManager();
    return (await em.query('SELECT * FROM integrations WHERE name = $1', [name]))[0];
  }

  /** Insert or replace in the current tenant; tenant_id comes from the context only. */
  async upsert(name: string, provider: string, fields: string[], sealed: Sealed): Promise<IntegrationRow> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `INSERT INTO integrations (tenant_id, name, provider, field_names, ciphertext, iv, auth_tag, key_version)
       VALUES (app.current_tenant_id(), $1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, name) DO UPDATE SET provider = EXCLUDED.provider,
         field_names = EXCLUDED.field_names, ciphertext = EXCLUDED.ciphertext, iv = EXCLUDED.iv,
         auth_tag = EXCLUDED.auth_tag, key_version = EXCLUDED.key_version, updated_at = now()
       RETURNING *`,
      [name, provider, fields, sealed.ciphertext, sealed.iv, sealed.authTag, sealed.keyVersion],
    );
    return rows[0];
  }

  async delete(name: string): Promise<boolean> {
    const em = await requestContext.tenantManager();
    return affectedOf(await em.query('DELETE FROM integrations WHERE name = $1', [name])) > 0;
  }

  // --- platform scope (key rotation) ---

  /** A batch of rows sealed under another key, locked; rows locked by others are skipped. */
  async lockStale(currentVersion: string, limit: number, tenantIds?: string[]): Promise<IntegrationRow[]> {
    const em = await requestContext.platformManager();
    return em.query(
      `SELECT * FROM integrations WHERE key_version <> $1 AND ($3::uuid[] IS NULL OR tenant_id = ANY($3))
        ORDER BY tenant_id, name LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [currentVersion, limit, tenantIds ?? null],
    );
  }

  async reseal(row: IntegrationRow, sealed: Sealed): Promise<void> {
    const em = await requestContext.platformManager();
    await em.query(
      `UPDATE integrations SET ciphertext = $3, iv = $4, auth_tag = $5, key_version = $6
        WHERE tenant_id = $1 AND name = $2`,
      [row.tenant_id, row.name, sealed.ciphertext, sealed.iv, sealed.authTag, sealed.keyVersion],
    );
  }

  async countByVersion(): Promise<Record<string, number>> {
    const em = await requestContext.platformManager();
    const rows = await em.query('SELECT key_version, count(*)::int AS n FROM integrations GROUP BY 1');
    return Object.fromEntries(rows.map((r: { key_version: string; n: number }) => [r.key_version, r.n]));
  }
}
