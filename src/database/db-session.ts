import type pg from 'pg';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { ServiceUnavailableError } from '../common/errors.js';
import type { DbSession } from '../common/request-context.js';
import { isUnavailable } from './pg-errors.js';
import type { RuntimeClient } from './runtime-client.js';

/** The pools' clients are RuntimeClients (database.module.ts): they can frame statements. */
type FramingClient = pg.PoolClient & Pick<RuntimeClient, 'frameStatements' | 'statement'>;

export class SessionClosedError extends Error {
  constructor(reason: string) {
    super(`database session is closed (${reason})`);
  }
}

/**
 * Appended to a single read's settings when they open its transaction themselves, with no BEGIN
 * READ ONLY ahead of them (the context statement is one SELECT of set_config calls).
 */
const AND_READ_ONLY = ", set_config('transaction_read_only', 'on', true)";

/** A statement that must land whether the request's transaction commits or rolls back. */
interface DurableWrite {
  sql: string;
  params: unknown[];
}

export interface SessionOptions {
  /**
   * The request reads with one statement (@SingleRead): its transaction is READ ONLY, and once
   * endWithNextStatement() is called, the next statement ends it (see the class comment).
   */
  singleRead?: boolean;
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
 * A single-read session (a @SingleRead route) is READ ONLY and ends with the handler's one
 * statement. When that statement is the session's first, it leaves with the settings (READ ONLY
 * among them) as one batch closed by a single Sync (synced-statements.ts): Postgres runs both in
 * one implicit transaction, with no BEGIN or COMMIT, and answers once. When the principal check
 * queried first (a cache miss), the transaction is open, and the statement leaves with the COMMIT
 * behind it, again under one Sync. Either way nothing is left to send when the handler is done,
 * and a second statement of the handler is refused, so the request stays one transaction.
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
  /** BEGIN (none in a single read's batch) and the settings, in flight while the first query is sent behind them */
  private contextSet?: Promise<[unknown, unknown]>;
  /** single-read sessions: the handler's statement is next, and ends the transaction */
  private endsWithNextStatement = false;
  /** single-read sessions: what ends the transaction, on the wire (the statement's batch, or its COMMIT) */
  private sentEnd?: Promise<unknown>;
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
   * Single-read sessions: the next statement is the handler's one and ends the transaction (see
   * frame()); any statement after it is refused. Called by the request pipeline as the handler starts
   * (after the principal check, whose statement is not the handler's).
   */
  endWithNextStatement(): void {
    if (!this.options.singleRead) throw new Error('endWithNextStatement() is for single-read sessions');
    this.endsWithNextStatement = true;
    if (this.client) this.frame(this.client as FramingClient);
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
      throw isUnavailable(err) ? new ServiceUnavailableError(undefined, undefined, err) : err;
    }
    this.client = client;
    if (this.endsWithNextStatement) {
      // the handler's statement is the first: the settings go out with it (frame)
      this.frame(client as FramingClient);
      return runner.manager;
    }
    const begin = this.options.singleRead ? 'BEGIN READ ONLY' : 'BEGIN';
    const contextSet = Promise.all([client.query(begin), client.query(this.contextSql, this.params())]);
    contextSet.catch(() => undefined); // awaited, and acted on, by finish()
    this.contextSet = contextSet;
    return runner.manager;
  }

  /**
   * The next statement of the client ends the transaction, under one Sync with the settings ahead
   * of it (nothing sent yet: an implicit transaction) or with COMMIT behind it (BEGIN already
   * sent). Nothing after it.
   */
  private frame(client: FramingClient): void {
    let opens = false;
    client.frameStatements({
      before: () => {
        // after a hang-up, nothing more is sent: abandon() decides on a cancel knowing nothing ends the transaction yet
        if (this.closedReason) throw new SessionClosedError(this.closedReason);
        if (this.sentEnd) throw new Error('a @SingleRead route sent a second statement: its transaction has already ended');
        if (this.contextSet) return [];
        opens = true;
        const context = client.statement(this.contextSql + AND_READ_ONLY, this.params());
        this.contextSet = Promise.all([undefined, context.answer]);
        this.contextSet.catch(() => undefined); // awaited, and acted on, by close()
        return [context];
      },
      after: (statement) => {
        if (opens) {
          this.sentEnd = statement; // the Sync behind it ends the implicit transaction
          return [];
        }
        const commit = client.statement('COMMIT');
        this.sentEnd = commit.answer;
        return [commit];
      },
    });
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
    const pid = await this.contextSet?.then(([, r]) => (r as pg.QueryResult<{ pid?: number }>).rows[0]?.pid, () => undefined);
    if (pid !== undefined && this.mayCancel()) await this.options.cancel?.(pid);
    await this.close('ROLLBACK', opening).catch(() => undefined);
  }

  /**
   * Whether cancelling the backend can only hit this session's own statement. While the
   * transaction is open it can: ROLLBACK is sent once the cancel is answered, so the backend is
   * still this session's, through a transaction pooler too. A single read's COMMIT is already on
   * the wire behind its statement: through a pooler the backend may serve another client by the
   * time a cancel arrives, so the statement (one short read, bounded by the statement timeout) is
   * left to finish instead.
   */
  private mayCancel(): boolean {
    return !this.sentEnd;
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
      (client as FramingClient).frameStatements(undefined); // what follows, and the next user, unframed
      try {
        if (this.sentEnd) {
          // a single read: what ends its transaction is on the wire
          const failure = await this.sentEnd.then(() => undefined, (err: unknown) => err ?? new Error('the single read failed'));
          // a failed statement of an open transaction leaves it aborted, its COMMIT skipped
          if (failure !== undefined && client.getTransactionStatus() !== 'I') await client.query('ROLLBACK');
          if (failure !== undefined && sql === 'COMMIT') throw failure;
          if (this.durable.length > 0) await this.writeDurable(client);
        } else if (!this.contextSet) {
          // a single read whose statement never came: nothing was sent
          if (this.durable.length > 0) await this.writeDurable(client);
        } else if (sql === 'COMMIT') {
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

  /** The queued writes, after a rollback (or a single read), in their own transaction with the same settings. */
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
