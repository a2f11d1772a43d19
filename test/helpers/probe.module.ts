import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import { requestContext } from '../../src/common/request-context.js';
import { Public, TenantRoute } from '../../src/common/route-scope.js';

/** What the tenant pool's pg.Pool says about its connections. */
export function poolStats(ds: DataSource): { total: number; idle: number; waiting: number } {
  const pool = (ds.driver as unknown as { master?: pg.Pool }).master;
  return { total: pool?.totalCount ?? 0, idle: pool?.idleCount ?? 0, waiting: pool?.waitingCount ?? 0 };
}

/**
 * Test-only tenant routes (public, so they exercise tenant resolution and the interceptor
 * without tokens). Mounted through createTestApp({ extraModules: [ProbeModule] }).
 */
@Public()
@TenantRoute()
@Controller('probe')
class ProbeController {
  /** The tenant set on the connection and everything of other tables the session can see. */
  @Get('whoami')
  async whoami() {
    const em = await requestContext.tenantManager();
    const [row] = await em.query(`SELECT current_setting('app.current_tenant_id', true) AS setting,
      ARRAY(SELECT id::text FROM tenants) AS tenants,
      ARRAY(SELECT DISTINCT tenant_id::text FROM audit_logs) AS audit_tenants`);
    return { contextTenant: requestContext.get()?.tenantId, ...row };
  }

  /** The transaction-local limits the request runs under. */
  @Get('limits')
  async limits() {
    const em = await requestContext.tenantManager();
    const [row] = await em.query(`SELECT current_setting('statement_timeout') AS statement_timeout,
      current_setting('idle_in_transaction_session_timeout') AS idle_timeout`);
    return row;
  }

  @Get('no-db')
  noDb() {
    return { ok: true };
  }

  /** Writes an audit entry (marker) and succeeds. */
  @Post('write/:marker')
  async write(@Param('marker') marker: string) {
    await this.insert(marker);
    return { ok: true };
  }

  /** Writes an audit entry, then fails: the write must be rolled back. */
  @Post('write-then-fail/:marker')
  async writeThenFail(@Param('marker') marker: string) {
    await this.insert(marker);
    throw new Error('deliberate failure after a write');
  }

  /**
   * Writes, then runs a statement that only a cancel ends (the test sees it in pg_stat_activity by
   * the marker and hangs up), then writes again.
   */
  @Post('slow/:marker')
  async slow(@Param('marker') marker: string) {
    await this.insert(marker);
    const em = await requestContext.tenantManager();
    await em.query(`SELECT pg_sleep(600), $1::text AS slow_probe`, [marker]);
    await this.insert(`${marker}-after`);
    return { ok: true };
  }

  private async insert(marker: string) {
    const em = await requestContext.tenantManager();
    await em.query(
      `INSERT INTO audit_logs (tenant_id, action, target_id) VALUES (app.current_tenant_id(), 'probe.write', $1)`,
      [marker],
    );
  }
}

@Module({ controllers: [ProbeController] })
export class ProbeModule {}
