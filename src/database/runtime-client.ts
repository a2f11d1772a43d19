import pg from 'pg';
import { SyncedStatements } from './synced-statements.js';

/** What pg's Client sets on a Query it runs (pg/lib/client.js, query.js); not in pg's typings. */
interface PgQueryInternals {
  name?: string;
  callback: (err: Error | null, res?: pg.QueryResult) => void;
  _result: { _types?: unknown };
}

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
    const { text, values, name, ...rest } = config;
    // built from the text, as pg builds a query given one (a config object is copied first); only
    // a config with more than a name, text and values is handed over whole
    const query = Object.keys(rest).length === 0 ? new pg.Query(text, values) : new pg.Query(config);
    const q = query as unknown as PgQueryInternals;
    if (name !== undefined) q.name = name;
    // the client's type parsers, given to the query as pg's Client.query gives them
    if (!q._result._types) q._result._types = (this as unknown as { _types: unknown })._types;
    const answer = new Promise<pg.QueryResult>((ok, fail) => {
      q.callback = (err, res) => (err ? fail(err) : ok(res!));
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
