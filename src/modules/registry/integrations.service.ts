import { Injectable, Logger } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import { AuditService } from '../auth/audit.service.js';
import { CredentialCipher, DecryptionError, integrationAad } from './credential-cipher.js';
import { CredentialIntegrityError, IntegrationNotFoundError } from './registry.errors.js';
import type { IntegrationEntity } from './entities/integration.entity.js';
import { IntegrationsRepository } from './integrations.repository.js';

/** What the API shows of an integration: never a secret value. */
export interface IntegrationView {
  name: string;
  provider: string;
  fields: string[];
  createdAt: string;
  updatedAt: string;
}

const view = (r: IntegrationEntity): IntegrationView => ({
  name: r.name,
  provider: r.provider,
  fields: r.fieldNames,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
});

/** Third-party credentials of the current tenant, sealed with AES-256-GCM at rest. */
@Injectable()
export class IntegrationsService {
  private readonly logger = new Logger('Integrations');

  constructor(
    private readonly repository: IntegrationsRepository,
    private readonly cipher: CredentialCipher,
    private readonly audit: AuditService,
    private readonly sessions: DatabaseSessions,
  ) {}

  async list(): Promise<IntegrationView[]> {
    return (await this.repository.list()).map(view);
  }

  async get(name: string): Promise<IntegrationView> {
    const row = await this.repository.find(name);
    if (!row) throw new IntegrationNotFoundError();
    return view(row);
  }

  async put(name: string, provider: string, credentials: Record<string, unknown>): Promise<IntegrationView> {
    const tenantId = this.currentTenant();
    const sealed = this.cipher.seal(JSON.stringify(credentials), integrationAad(tenantId, name));
    const fields = Object.keys(credentials).sort();
    const row = await this.repository.upsert(name, provider, fields, sealed);
    await this.audit.record({
      action: 'integration.saved', targetType: 'integration', targetId: name, detail: { provider, fields },
    });
    return view(row);
  }

  async delete(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) throw new IntegrationNotFoundError();
    await this.audit.record({ action: 'integration.deleted', targetType: 'integration', targetId: name });
  }

  /** The decrypted credentials, for server-side use by the code that calls the provider. */
  async credentials(name: string): Promise<Record<string, unknown>> {
    const row = await this.repository.find(name);
    if (!row) throw new IntegrationNotFoundError();
    return this.open(row);
  }

  /**
   * Re-seals every credential (or those of `tenantIds`) that is not under the current key, in batches of small platform
   * transactions (FOR UPDATE SKIP LOCKED), so the service keeps running during a rotation.
   */
  async rotateKeys(batchSize = 100, tenantIds?: string[]): Promise<{ resealed: number; failed: number }> {
    let resealed = 0;
    let failed = 0;
    const poisoned = new Set<string>();
    for (;;) {
      const done = await this.sessions.runAsPlatform('keys:rotate', async () => {
        const rows = (await this.repository.lockStale(this.cipher.currentVersion, batchSize + poisoned.size, tenantIds))
          .filter((r) => !poisoned.has(`${r.tenantId}/${r.name}`));
        for (const row of rows) {
          try {
            const plain = this.cipher.open(IntegrationsRepository.sealedOf(row), integrationAad(row.tenantId, row.name));
            await this.repository.reseal(row, this.cipher.seal(plain, integrationAad(row.tenantId, row.name)));
            resealed++;
          } catch (err) {
            if (!(err instanceof DecryptionError)) throw err;
            // Unknown key or tampered row: leave it, report it, go on with the others.
            poisoned.add(`${row.tenantId}/${row.name}`);
            failed++;
            this.logger.error(`cannot re-seal integration ${row.name} of tenant ${row.tenantId}: ${err.message}`);
          }
        }
        return rows.length === 0;
      });
      if (done) return { resealed, failed };
    }
  }

  private open(row: IntegrationEntity): Record<string, unknown> {
    try {
      const plain = this.cipher.open(IntegrationsRepository.sealedOf(row), integrationAad(row.tenantId, row.name));
      return JSON.parse(plain.toString('utf8'));
    } catch (err) {
      if (err instanceof DecryptionError) throw new CredentialIntegrityError();
      throw err;
    }
  }

  private currentTenant(): string {
    const tenantId = requestContext.get()?.tenantId;
    if (!tenantId) throw new Error('no tenant in the request context');
    return tenantId;
  }
}
