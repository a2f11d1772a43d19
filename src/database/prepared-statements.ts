import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RuntimeClient, type PendingStatement } from './runtime-client.js';

/** Named statements kept per connection; past this, further texts run unnamed. */
const MAX_PER_CONNECTION = 256;
/** Distinct statement texts whose names are remembered (dynamic SQL beyond this runs unnamed). */
const MAX_TEXTS = 2_048;

// `SELECT *` / `RETURNING *` take their columns from the table at prepare time; after a
// migration adds a column, a prepared one fails with "cached plan must not change result type".
// Those stay unnamed, so a running instance survives a migration made by a newer one.
const STAR_RESULT = /\b(select|returning)\s+(distinct\s+)?([a-z_][a-z0-9_]*\.)?\*/i;

const names = new Map<string, string | null>();

/** The statement name for `text`, or null when it should not be prepared. */
export function statementName(text: string): string | null {
  let name = names.get(text);
  if (name !== undefined) return name;
  name = STAR_RESULT.test(text) ? null : `tq_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  if (names.size < MAX_TEXTS) names.set(text, name);
  return name;
}

/**
 * A pg client that runs parameterised queries as named prepared statements: Postgres parses and
 * plans each text once per connection and then reuses the plan. That matters most under RLS,
 * where planning a query also means expanding its policies: with a cached generic plan the
 * tenant comes from the policy's `(SELECT app.current_tenant_id())` init-plan at execution, so
 * one plan serves every tenant, correctly (Postgres re-plans when the role or policies change).
 * Used through the pools' `Client` option (database.module.ts); DB_PREPARED_STATEMENTS=false turns
 * it off for poolers that cannot keep prepared statements (PgBouncer < 1.21 in transaction mode).
 */
export class PreparingClient extends RuntimeClient {
  private readonly prepared = new Set<string>();

  // pg's overloads are many; only (text, values[, callback]) is rewritten, the rest pass through.
  override query(...args: any[]): any {
    const [text, values] = args;
    const name = this.nameFor(text, values);
    if (name) return (super.query as (...a: any[]) => any)({ name, text, values }, ...args.slice(2));
    return (super.query as (...a: any[]) => any)(...args);
  }

  override statement(text: string, values?: unknown[]): PendingStatement {
    const name = this.nameFor(text, values);
    return name ? this.pending({ name, text, values } as pg.QueryConfig) : super.statement(text, values);
  }

  /** The name `text` runs under on this connection, if it runs as a named statement. */
  private nameFor(text: unknown, values: unknown): string | null {
    if (typeof text !== 'string' || !Array.isArray(values)) return null;
    const name = statementName(text);
    if (!name || !(this.prepared.has(name) || this.prepared.size < MAX_PER_CONNECTION)) return null;
    this.prepared.add(name);
    return name;
  }
}
