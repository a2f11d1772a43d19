import type pg from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ServiceUnavailableError } from '../common/errors.js';
import type { DbSession } from '../common/request-context.js';
import { isUnavailable } from './pg-errors.js';
import type { RuntimeClient } from './runtime-client.js';

/** The pools' clients are RuntimeClients (database.module.ts): they can frame statements. */
type FramedClient = pg.PoolClient & Pick<RuntimeClient, 'frameStatements'>;

export class SessionClosedError extends Error {
  constructor(reason: string) {
    super(`database session is closed (${reason})`);
  }
}

/** A statement that must land whether the request's transaction commits or rolls back. */
interface DurableWrite {
  sql: string;
  params: unknown[];
}

export interface SessionOptions {
  /**
   * A request that only reads (GET, HEAD): each statement runs in a read-only transaction of its
   * own, framed as BEGIN READ ONLY, the context, the statement, COMMIT, all in one write, so the
   * request costs no round trip for COMMIT. Under READ COMMITTED every statement of a
   * transaction takes its own snapshot anyway, so a reader sees the same rows either way.
   */
  readOnly?: boolean;
  /** takes a slot of the session's compartment before a connection is asked for (tenant bulkhead) */
  admit?: () => Promise<() => void>;
  /** stops the statement a backend runs now (abandon()); the backend's pid comes with the context */
  cancel?: (pid: number) => Promise<void>;
}

/**
 * One transaction on one pooled connection, opened on the first query. BEGIN, the
 * transaction-local settings and that first query go out together in one round trip (the
 * pool's clients run in pg's pipeline mode; without it pg queues them in the same order), and
 * the settings vanish at COMMIT/ROLLBACK, so a reused connection never carries a tenant into
 * the next request.
 *
 * The first query does not wait for BEGIN and set_config to answer. That is safe: if either
 * failed, the query runs in an aborted transaction (error) or with no tenant set (the policies
 * fail closed and show nothing), and commit() checks the outcome of both before COMMIT, so such a
 * request ends in an error and a destroyed connection, never in an answer.
 *
 * A read-only session (options.readOnly) frames each statement instead: BEGIN READ ONLY, the
 * settings, the statement and COMMIT leave together (runtime-client.ts), so nothing is left to
 * send when the handler is done, and a write fails ("read-only transaction").
 *
 * A session holds at most one connection, for its whole life; writes that must outlive a
 * rollback (a failed login's audit entry) are queued with writeEvenOnRollback() and written on
 * that same connection, never on a second one.
 */
export class TransactionSession implements DbSession {
  private runner?: QueryRunner;
  /** the runner's connection: QueryRunner.connect() answers the driver's client, for pg a PoolClient */
  private client?: pg.PoolClient;
  private opening?: Promise<EntityManager>;
  /** BEGIN and the settings, in flight while the first query is sent behind them */
  private contextSet?: Promise<[unknown, unknown]>;
  /** read-only sessions: every frame's BEGIN, settings and COMMIT, checked before release */
  private readonly frames: Promise<unknown>[] = [];
  /** read-only sessions: the settings of the latest frame (they answer the backend's pid) */
  private lastContext?: Promise<unknown>;
  private closedReason?: string;
  private releaseSlot?: () => void;
  private readonly durable: DurableWrite[] = [];

  constructor(
    readonly scope: 'tenant' | 'platform',
    private readonly dataSource: DataSource,
    private readonly contextSql: string,
    /** a function when the values are signed: called again for each transaction it opens */
    private readonly contextParams: unknown[] | (() => unknown[]),
    private readonly options: SessionOptions = {},
  ) {}

  /** Holding a connection with a transaction open. */
  get isOpen(): boolean {
    return this.opening !== undefined && this.closedReason === undefined;
  }

  manager(): Promise<EntityManager> {
    if (this.closedReason) return Promise.reject(new SessionClosedError(this.closedReason));
    this.opening ??= this.open();
    return this.opening;
  }

  /**
   * Queues a write that lands with the outcome of the request either way: inside the
   * transaction just before COMMIT, or after ROLLBACK in a short transaction of its own, with the
   * same settings, on the same connection.
   */
  writeEvenOnRollback(sql: string, params: unknown[]): void {
    if (this.closedReason) throw new SessionClosedError(this.closedReason);
    this.durable.push({ sql, params });
  }

  private async open(): Promise<EntityManager> {
    this.releaseSlot = await this.options.admit?.();
    const runner = this.dataSource.createQueryRunner('master');
    this.runner = runner;
    let client: pg.PoolClient;
    try {
      client = (await runner.connect()) as pg.PoolClient;
    } catch (err) {
      this.freeSlot();
      throw isUnavailable(err) ? new ServiceUnavailableError() : err;
    }
    this.client = client;
    if (this.options.readOnly) {
      (client as FramedClient).frameStatements({
        before: () => {
          this.framed(client.query('BEGIN READ ONLY'));
          this.lastContext = this.framed(client.query(this.contextSql, this.params()));
        },
        after: () => void this.framed(client.query('COMMIT')),
      });
      return runner.manager;
    }
    const contextSet = Promise.all([client.query('BEGIN'), client.query(this.contextSql, this.params())]);
    contextSet.catch(() => undefined); // awaited, and acted on, by finish()
    this.contextSet = contextSet;
    return runner.manager;
  }

  /** Commits if a transaction was opened; always releases the connection. */
  async commit(): Promise<void> {
    await this.finish('COMMIT', 'committed');
  }

  /** Rolls back if a transaction was opened; always releases the connection. */
  async rollback(reason = 'rolled back'): Promise<void> {
    await this.finish('ROLLBACK', reason).catch(() => undefined);
  }

  /**
   * The client went away: stop the statement running now (pg_cancel_backend, pg-cancel.ts), then
   * roll back. The cancel has been answered before ROLLBACK is sent, so it can only ever hit
   * this session's own statements, never the next user of the connection.
   */
  async abandon(reason: string): Promise<void> {
    if (this.closedReason || !this.opening) return this.rollback(reason);
    this.closedReason = reason; // later queries of the handler fail at once
    const opening = this.opening;
    try {
      await opening;
    } catch {
      return;
    }
    // the context statement answers the backend's pid (database-sessions.ts)
    const context = this.options.readOnly ? this.lastContext : this.contextSet!.then(([, r]) => r);
    const pid = await context?.then((r) => (r as pg.QueryResult<{ pid?: number }>).rows[0]?.pid, () => undefined);
    if (pid !== undefined && this.mayCancel(pid)) await this.options.cancel?.(pid);
    await this.close('ROLLBACK', opening).catch(() => undefined);
  }

  /**
   * Whether cancelling `pid` can only hit this session's own statements. In one transaction it
   * can: the transaction is still open (ROLLBACK comes after the cancel is answered), so the
   * backend is this session's, through a transaction pooler too. A read-only session's frames
   * have already sent their COMMIT: through a pooler the backend may serve another client by
   * the time the cancel arrives, so it cancels only over a direct connection, the one whose pid
   * is the one Postgres gave the client at connect (a pooler gives its own key), held until
   * release.
   */
  private mayCancel(pid: number): boolean {
    return !this.options.readOnly || (this.client as { processID?: number | null } | undefined)?.processID === pid;
  }

  /** A frame's statement, whose outcome close() checks before the connection goes back. */
  private framed<T>(result: Promise<T>): Promise<T> {
    result.catch(() => undefined); // awaited, and acted on, by close()
    this.frames.push(result);
    return result;
  }

  private async finish(sql: 'COMMIT' | 'ROLLBACK', reason: string): Promise<void> {
    if (this.closedReason) return;
    this.closedReason = reason;
    if (!this.opening) {
      if (this.durable.length === 0) return;
      this.opening = this.open(); // only queued writes: open now to write them
    }
    await this.close(sql, this.opening);
  }

  private async close(sql: 'COMMIT' | 'ROLLBACK', opening: Promise<EntityManager>): Promise<void> {
    try {
      await opening;
    } catch {
      return; // open() already released the connection
    }
    const client = this.client!;
    if (this.options.readOnly) return this.closeFramed(client, sql);
    try {
      try {
        await this.contextSet;
      } catch (err) {
        // BEGIN or set_config failed: whatever ran behind them must not be committed or answered,
        // and the connection is never reused.
        this.destroy(err);
        if (sql === 'COMMIT') throw err;
        return;
      }
      try {
        if (sql === 'COMMIT') {
          for (const w of this.durable) await client.query(w.sql, w.params);
          await client.query('COMMIT');
        } else {
          await client.query('ROLLBACK');
          if (this.durable.length > 0) await this.writeDurable(client);
        }
        await this.runner!.release();
      } catch (err) {
        // Destroy rather than return a connection in an unknown state to the pool.
        this.destroy(err);
        throw err;
      }
    } finally {
      this.freeSlot();
    }
  }

  /**
   * A read-only session's end: nothing is left open (every frame sent its COMMIT), so only the
   * frames' outcomes are checked. If a BEGIN, settings or COMMIT failed, whatever the handler
   * read may have run without its tenant (no rows) or not at all: no answer, and the connection
   * is never reused.
   */
  private async closeFramed(client: pg.PoolClient, sql: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    (client as FramedClient).frameStatements(undefined); // what follows, and the next user, unframed
    try {
      const failed = (await Promise.allSettled(this.frames)).find((r) => r.status === 'rejected');
      if (failed) {
        this.destroy(failed.reason);
        if (sql === 'COMMIT') throw failed.reason;
        return;
      }
      try {
        if (this.durable.length > 0) await this.writeDurable(client);
        await this.runner!.release();
      } catch (err) {
        this.destroy(err);
        throw err;
      }
    } finally {
      this.freeSlot();
    }
  }

  /** The queued writes, after a rollback, in their own transaction with the same settings. */
  private async writeDurable(client: pg.PoolClient): Promise<void> {
    await client.query('BEGIN');
    try {
      await client.query(this.contextSql, this.params());
      for (const w of this.durable) await client.query(w.sql, w.params);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /**
   * Ends the connection instead of returning it to the pool: pg-pool's release(err) destroys the
   * client. The runner is dropped unreleased (it holds nothing else); if pg already gave the
   * client back itself (a connection error TypeORM reacted to), there is nothing left to do.
   */
  private destroy(err: unknown): void {
    try {
      this.client!.release(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // already released: the connection error ended it
    }
  }

  /** The context's values, signed now: right before the BEGIN they ride with. */
  private params(): unknown[] {
    return typeof this.contextParams === 'function' ? this.contextParams() : this.contextParams;
  }

  private freeSlot(): void {
    this.releaseSlot?.();
    this.releaseSlot = undefined;
  }
}
