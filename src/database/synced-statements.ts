import { createRequire } from 'node:module';
import pg from 'pg';

// pg's own mapping of JS values to parameters (Date, Buffer, arrays, JSON), as its Query binds them
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(v: unknown): unknown };

/** What pg's Query does with the backend's messages (pg/lib/query.js); not in pg's typings. */
interface QueryHandlers {
  name?: string;
  text: string;
  values?: unknown[];
  binary?: boolean;
  handleRowDescription(msg: unknown): void;
  handleDataRow(msg: unknown): void;
  handleCommandComplete(msg: unknown, connection: Connection): void;
  handleError(err: Error, connection: Connection): void;
  handleReadyForQuery(connection: Connection): void;
}

/** The parts of pg's Connection this uses: the protocol messages and its statement bookkeeping. */
interface Connection {
  stream: { cork?(): void; uncork?(): void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(m: { text: string; name?: string }): void;
  bind(m: { portal: string; statement?: string; values: unknown[]; binary?: boolean }): void;
  describe(m: { type: 'P'; name: string }): void;
  execute(m: { portal: string }): void;
  sync(): void;
  on(event: 'parseComplete', listener: () => void): void;
  off(event: 'parseComplete', listener: () => void): void;
}

/** A statement that did not run because one before it failed: the server skips to the Sync. */
export class SkippedStatementError extends Error {
  constructor(cause: Error) {
    super('not run: an earlier statement sent with it failed', { cause });
  }
}

/**
 * Several statements sent as one extended-protocol batch closed by a single Sync. Postgres runs
 * the statements in order, in one transaction (the implicit one that the Sync ends, unless the
 * batch opens or sits in an explicit one), and flushes its answers once, at the Sync: one write
 * each way instead of one answer, one send and one wake-up per statement. pg's own pipeline mode
 * closes every statement with a Sync of its own.
 *
 * Each part is an ordinary pg Query (its callback, its result, its row parsing); this hands it
 * the backend's messages in turn. If one fails, the server skips the rest up to the Sync: the
 * parts before it answer their results (their work is rolled back with the transaction), the
 * failing one its error, the ones after it a SkippedStatementError.
 *
 * It extends pg's Query because pg's pipeline mode accepts only Query instances.
 */
export class SyncedStatements extends pg.Query {
  private current = 0;
  /** named statements this batch sends a Parse for, in order, and how many the server confirmed */
  private readonly parsing: Array<{ name: string; text: string }> = [];
  private parsed = 0;
  private connection?: Connection;
  private done = false;

  /** @param parts the statements, in the order they are sent and run */
  constructor(readonly parts: pg.Query[]) {
    super({ text: 'synced statements' });
  }

  private part(i = this.current): QueryHandlers {
    return this.parts[i] as unknown as QueryHandlers;
  }

  // The batch is only ever submitted by pg's Client, with its Connection
  override submit = ((connection: Connection): Error | null => {
    const parts = this.parts.map((_, i) => this.part(i));
    let values: unknown[][];
    try {
      // mapped before anything is written: a value pg cannot send fails the batch unsent
      values = parts.map((p) => (p.values ?? []).map((v) => prepareValue(v)));
    } catch (err) {
      return err as Error;
    }
    connection.stream.cork?.();
    try {
      parts.forEach((p, i) => {
        const named = p.name !== undefined && p.name !== '';
        if (!named || (connection.parsedStatements[p.name!] ?? connection.submittedNamedStatements[p.name!]) === undefined) {
          connection.parse({ text: p.text, name: p.name });
          if (named) {
            connection.submittedNamedStatements[p.name!] = p.text;
            this.parsing.push({ name: p.name!, text: p.text });
          }
        }
        connection.bind({ portal: '', statement: p.name, values: values[i], binary: p.binary });
        connection.describe({ type: 'P', name: '' });
        connection.execute({ portal: '' });
      });
      connection.sync();
    } finally {
      connection.stream.uncork?.();
    }
    if (this.parsing.length > 0) {
      this.connection = connection;
      connection.on('parseComplete', this.onParseComplete);
    }
    return null;
  }) as unknown as pg.Query['submit'];

  /**
   * pg records a named statement as parsed when its ParseComplete arrives for the active query,
   * which here is the batch: this does it for the parts instead, in the order their Parses left.
   */
  private readonly onParseComplete = (): void => {
    const s = this.parsing[this.parsed++];
    if (!s || !this.connection) return;
    this.connection.parsedStatements[s.name] = s.text;
    delete this.connection.submittedNamedStatements[s.name];
  };

  /** Ends the batch's bookkeeping: a Parse the server never confirmed (skipped, or failed) is forgotten. */
  private finish(): void {
    this.done = true;
    if (!this.connection) return;
    this.connection.off('parseComplete', this.onParseComplete);
    for (const s of this.parsing.slice(this.parsed)) delete this.connection.submittedNamedStatements[s.name];
  }

  handleRowDescription(msg: unknown): void {
    this.part().handleRowDescription(msg);
  }

  handleDataRow(msg: unknown): void {
    this.part().handleDataRow(msg);
  }

  handleCommandComplete(msg: unknown, connection: Connection): void {
    this.part().handleCommandComplete(msg, connection);
    this.current++;
  }

  handleEmptyQuery(): void {
    this.current++;
  }

  handleError(err: Error, connection: Connection): void {
    if (this.done) return;
    this.finish();
    // an error after the last statement (at the Sync's commit) is the last one's
    const failed = Math.min(this.current, this.parts.length - 1);
    this.parts.forEach((_, i) => {
      const p = this.part(i);
      if (i < failed) p.handleReadyForQuery(connection);
      else if (i === failed) p.handleError(err, connection);
      else p.handleError(new SkippedStatementError(err), connection);
    });
  }

  handleReadyForQuery(connection: Connection): void {
    if (this.done) return;
    this.finish();
    this.parts.forEach((_, i) => this.part(i).handleReadyForQuery(connection));
  }
}
