import type { Writable } from 'node:stream';
import type pg from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { DbSession } from '../common/request-context.js';

/** TypeORM's Postgres query runner, with the members used here. */
type PgQueryRunner = QueryRunner & {
  databaseConnection: pg.PoolClient;
  releasePostgresConnection(err?: Error): Promise<void>;
};

export class SessionClosedError extends Error {
  constructor(reason: string) {
    super(`database session is closed (${reason})`);
  }
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
 */
export class TransactionSession implements DbSession {
  private runner?: PgQueryRunner;
  private opening?: Promise<EntityManager>;
  /** BEGIN and the settings, in flight while the first query is sent behind them */
  private contextSet?: Promise<unknown>;
  private closedReason?: string;

  constructor(
    readonly scope: 'tenant' | 'platform',
    private readonly dataSource: DataSource,
    private readonly contextSql: string,
    private readonly contextParams: unknown[],
  ) {}

  /** Opened: a connection is held and a transaction is open. */
  get isOpen(): boolean {
    return this.opening !== undefined && this.closedReason === undefined;
  }

  manager(): Promise<EntityManager> {
    if (this.closedReason) return Promise.reject(new SessionClosedError(this.closedReason));
    this.opening ??= this.open();
    return this.opening;
  }

  private async open(): Promise<EntityManager> {
    const runner = this.dataSource.createQueryRunner('master') as PgQueryRunner;
    this.runner = runner;
    const client = (await runner.connect()) as pg.PoolClient;
    // Hold the socket's writes until this turn of the event loop is done: BEGIN, set_config and
    // the queries issued right behind them (the user check, the handler's first query) leave in
    // one write and reach Postgres in one packet, instead of one system call per statement.
    const socket = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
    if (socket?.cork) {
      socket.cork();
      setImmediate(() => socket.uncork());
    }
    const contextSet = Promise.all([client.query('BEGIN'), client.query(this.contextSql, this.contextParams)]);
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

  private async finish(sql: 'COMMIT' | 'ROLLBACK', reason: string): Promise<void> {
    if (this.closedReason) return;
    const opening = this.opening;
    this.closedReason = reason;
    if (!opening) return;
    try {
      await opening;
    } catch {
      return; // open() already released the connection
    }
    const runner = this.runner!;
    try {
      await this.contextSet;
    } catch (err) {
      // BEGIN or set_config failed: whatever ran behind them must not be committed or answered,
      // and the connection is never reused.
      await runner.releasePostgresConnection(err as Error);
      if (sql === 'COMMIT') throw err;
      return;
    }
    try {
      await runner.databaseConnection.query(sql);
      await runner.releasePostgresConnection();
    } catch (err) {
      // Destroy rather than return a connection in an unknown state to the pool.
      await runner.releasePostgresConnection(err as Error);
      throw err;
    }
  }
}
