import pg from 'pg';
import { SyncedStatements } from './synced-statements.js';

/** A statement not yet sent, and its answer. */
export interface PendingStatement {
  query: pg.Query;
  answer: Promise<pg.QueryResult>;
}

/** Statements sent around the next statement of a framed client (db-session.ts, single reads). */
export interface StatementFrame {
  /** runs before the statement is sent (throws to refuse it); the statements that go ahead of it */
  before(): PendingStatement[];
  /** the statements that go right behind it; `statement` settles with the statement's own answer */
  after(statement: Promise<pg.QueryResult>): PendingStatement[];
}

/**
 * The runtime pools' pg client (pg-pool's `Client` option). A session may frame its next
 * statement: the frame's statements, the statement and the ones behind it then leave as one
 * batch closed by a single Sync (synced-statements.ts), so Postgres runs them in one go and
 * answers once.
 */
export class RuntimeClient extends pg.Client {
  private frame?: StatementFrame;

  /** Frames every later statement with `frame` until it is set to undefined. */
  frameStatements(frame: StatementFrame | undefined): void {
    this.frame = frame;
  }

  /** A statement for a frame, parsed and answered as this client runs `text` (PreparingClient names it). */
  statement(text: string, values?: unknown[]): PendingStatement {
    return this.pending({ text, values });
  }

  protected pending(config: pg.QueryConfig): PendingStatement {
    // the client's type parsers, as pg gives them to the queries it runs itself
    const query = new pg.Query({ ...config, types: { getTypeParser: (oid: number, format?: string) => this.getTypeParser(oid, format as 'text') } } as pg.QueryConfig);
    const answer = new Promise<pg.QueryResult>((ok, fail) => {
      (query as unknown as { callback: (err: Error | null, res?: pg.QueryResult) => void }).callback = (err, res) => (err ? fail(err) : ok(res!));
    });
    answer.catch(() => undefined); // the caller of query() or the frame's owner acts on it
    return { query, answer };
  }

  // pg's overloads are many; unframed they pass through as they are. Framed, the statement comes
  // as TypeORM sends it: (text, values) or a config object ({ name, text, values } from PreparingClient).
  override query(...args: any[]): any {
    const frame = this.frame;
    if (!frame) return (super.query as (...a: any[]) => any)(...args);
    const [first, values, callback] = args;
    const config: pg.QueryConfig | undefined =
      typeof first === 'string' ? { text: first, values } : first && typeof first.submit !== 'function' && !values ? first : undefined;
    if (!config || callback || typeof values === 'function') throw new Error('a framed statement takes (text, values) or a query config, and answers a promise');
    this.frame = undefined;
    try {
      const lead = frame.before();
      const statement = this.pending(config);
      const trail = frame.after(statement.answer);
      (super.query as (q: pg.Query) => unknown)(new SyncedStatements([...lead, statement, ...trail].map((s) => s.query)));
      return statement.answer;
    } finally {
      this.frame = frame;
    }
  }
}
