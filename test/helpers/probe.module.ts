import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';

// test-only routes: their answers are free-form (the contract check still checks status and type)
const FREE_FORM = { schema: { type: 'object', additionalProperties: true } } as const;
import type { DataSource } from 'typeorm';
import { requestContext } from '../../src/common/request-context.js';
import { runtimePool } from '../../src/database/runtime-pool.js';
import { Public, SingleRead, TenantRoute } from '../../src/common/route-scope.js';

/** What the tenant pool's pg.Pool says about its connections. */
export function poolStats(ds: DataSource): { total: number; idle: number; waiting: number } {
  const pool = runtimePool(ds);
  return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount };
}

/**
 * Test-only tenant routes (public, so they exercise tenant resolution and the interceptor
 * without tokens). Mounted through createTestApp({ extraModules: [ProbeModule] }).
 */
@Public()
@TenantRoute()
@ApiTags('test-probe')
@Controller('probe')
class ProbeController {
  /**
   * The tenant set on the connection (as the database verifies the signed setting) and everything
   * of other tables the session can see.
   */
  @Get('whoami')
  @ApiOkResponse(FREE_FORM)
  async whoami() {
    const em = await requestContext.tenantManager();
    const [row] = await em.query(`SELECT app.current_tenant_id()::text AS setting,
      ARRAY(SELECT id::text FROM tenants) AS tenants,
      ARRAY(SELECT DISTINCT tenant_id::text FROM audit_logs) AS audit_tenants`);
    return { contextTenant: requestContext.get()?.tenantId, ...row };
  }

  /** The transaction-local limits the request runs under. */
  @Get('limits')
  @ApiOkResponse(FREE_FORM)
  async limits() {
    const em = await requestContext.tenantManager();
    const [row] = await em.query(`SELECT current_setting('statement_timeout') AS statement_timeout,
      current_setting('idle_in_transaction_session_timeout') AS idle_timeout`);
    return row;
  }

  @Get('no-db')
  @ApiOkResponse(FREE_FORM)
  noDb() {
    return { ok: true };
  }

  /** A @SingleRead route: one statement, COMMIT right behind it. */
  @Get('single-read')
  @SingleRead()
  @ApiOkResponse(FREE_FORM)
  async singleRead() {
    const em = await requestContext.tenantManager();
    const [row] = await em.query(`SELECT app.current_tenant_id()::text AS setting, current_setting('transaction_read_only') AS read_only`);
    return row;
  }

  /** A @SingleRead route that breaks its promise with a second statement: refused. */
  @Get('two-reads')
  @SingleRead()
  @ApiOkResponse(FREE_FORM)
  async twoReads() {
    const em = await requestContext.tenantManager();
    await em.query('SELECT 1 AS one');
    await em.query('SELECT 2 AS two');
    return { ok: true };
  }

  /** A @SingleRead route that writes: its transaction is READ ONLY. */
  @Get('write-on-single-read/:marker')
  @SingleRead()
  @ApiOkResponse(FREE_FORM)
  async writeOnSingleRead(@Param('marker') marker: string) {
    await this.insert(marker);
    return { ok: true };
  }

  /** A @SingleRead statement of half a second (the hang-up test). */
  @Get('slow-read/:marker')
  @SingleRead()
  @ApiOkResponse(FREE_FORM)
  async slowRead(@Param('marker') marker: string) {
    const em = await requestContext.tenantManager();
    await em.query(`SELECT pg_sleep(0.5), $1::text AS slow_read_probe`, [marker]);
    return { ok: true };
  }

  /** Writes an audit entry (marker) and succeeds. */
  @Post('write/:marker')
  @ApiCreatedResponse(FREE_FORM)
  async write(@Param('marker') marker: string) {
    await this.insert(marker);
    return { ok: true };
  }

  /** Writes an audit entry, then fails: the write must be rolled back. */
  @Post('write-then-fail/:marker')
  @ApiCreatedResponse(FREE_FORM)
  async writeThenFail(@Param('marker') marker: string) {
    await this.insert(marker);
    throw new Error('deliberate failure after a write');
  }

  /**
   * Writes, then runs a statement that only a cancel ends (the test sees it in pg_stat_activity by
   * the marker and hangs up), then writes again.
   */
  @Post('slow/:marker')
  @ApiCreatedResponse(FREE_FORM)
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
