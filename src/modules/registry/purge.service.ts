import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DatabaseSessions } from '../../database/database-sessions.js';
import { TenantService } from '../tenant/tenant.service.js';
import { AuditService } from '../auth/audit.service.js';
import { PurgeRepository } from './purge.repository.js';

export class PurgeIncompleteError extends Error {}

export interface PurgeReport {
  purged: Array<{ id: string; rows: Record<string, number> }>;
  failed: Array<{ id: string; error: string }>;
}

/**
 * Hard-deletes tenants past purgeAfter: every row of every tenant table, then the tenant row
 * (through the tenant module), one tenant per platform transaction. Tables the platform role may not DELETE from (the
 * append-only audit trail) go with the tenant row through ON DELETE CASCADE; afterwards every
 * tenant table is counted again and a single leftover row rolls the whole tenant back.
 * `npm run tenants:purge` runs it once; the service runs it every TENANT_PURGE_INTERVAL_SECONDS.
 * Other modules' housekeeping hangs on the end of each run (onRunFinished), e.g. provisioning
 * dropping expired idempotency keys.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TenantPurge');
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeReport>;
  private readonly runFinished: Array<() => Promise<unknown>> = [];

  constructor(
    private readonly sessions: DatabaseSessions,
    private readonly repository: PurgeRepository,
    private readonly tenants: TenantService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** "Purge run finished": `task` runs after each run, in a platform transaction of its own. */
  onRunFinished(task: () => Promise<unknown>): void {
    this.runFinished.push(task);
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.purgeIntervalSeconds;
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      if (this.running) return; // the previous run is still going
      this.purgeDue().then(
        (r) => r.purged.length && this.logger.log(`purged ${r.purged.length} tenant(s)`),
        (err) => this.logger.error(`purge run failed: ${(err as Error).message}`),
      );
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /**
   * Purges every tenant that is due (or, with `only`, those of the listed that are due); one
   * run at a time per process.
   */
  async purgeDue(opts: { only?: string[] } = {}): Promise<PurgeReport> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.run(opts.only);
    this.running = run.finally(() => (this.running = undefined));
    return run;
  }

  private async run(only?: string[]): Promise<PurgeReport> {
    const report: PurgeReport = { purged: [], failed: [] };
    const due = await this.sessions.runAsPlatform('tenants:purge', () => this.tenants.dueForPurge(1000, only));
    for (const id of due) {
      try {
        const rows = await this.purgeOne(id);
        if (rows) report.purged.push({ id, rows });
      } catch (err) {
        report.failed.push({ id, error: (err as Error).message });
        this.logger.error(`purge of tenant ${id} failed and was rolled back: ${(err as Error).message}`);
      }
    }
    for (const task of this.runFinished) await this.sessions.runAsPlatform('tenants:purge', task);
    return report;
  }

  private purgeOne(id: string): Promise<Record<string, number> | null> {
    return this.sessions.runAsPlatform('tenants:purge', async () => {
      const tenant = await this.tenants.lockDueForPurge(id);
      if (!tenant) return null;
      const tables = await this.repository.tenantTables();
      const rows: Record<string, number> = {};
      for (const table of tables) {
        if (table.canDelete) rows[table.name] = await this.repository.deleteRows(table, id);
      }
      await this.tenants.deletePurged(tenant);
      for (const table of tables) {
        if (!table.canSelect) throw new PurgeIncompleteError(`cannot verify ${table.name}: no SELECT privilege`);
        const left = await this.repository.countRows(table, id);
        if (left > 0) throw new PurgeIncompleteError(`${left} row(s) of ${table.name} would remain`);
      }
      await this.audit.recordPlatformChange({
        action: 'tenant.purged', targetType: 'tenant', targetId: id, targetTenantId: id,
        detail: { subdomain: tenant.subdomain, rows },
      });
      return rows;
    });
  }
}
