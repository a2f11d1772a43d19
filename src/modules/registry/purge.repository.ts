import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { affectedOf } from '../../database/query-rows.js';

export interface TenantTable {
  /** schema-qualified, quoted name, safe to splice into SQL (built by format('%I.%I')) */
  qualified: string;
  name: string;
  canDelete: boolean;
  canSelect: boolean;
}

/**
 * SQL of the tenant purge, run as the platform role in platform scope. The tables come from the
 * catalog (every table with a tenant_id column), never from a hand-kept list: plain SQL, since
 * the point is to reach every tenant table, whichever module owns it, without an entity for it.
 */
@Injectable()
export class PurgeRepository {
  /** Every tenant table, children before parents (so foreign keys never block a delete). */
  async tenantTables(): Promise<TenantTable[]> {
    const em = await requestContext.platformManager();
    const tables: Array<TenantTable & { oid: number }> = (await em.query(`
      SELECT c.oid::int AS oid, c.relname AS name, format('%I.%I', n.nspname, c.relname) AS qualified,
             has_table_privilege(c.oid, 'DELETE') AS "canDelete",
             has_table_privilege(c.oid, 'SELECT') AS "canSelect"
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
         AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
         AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                      AND a.attname = 'tenant_id' AND NOT a.attisdropped)`));
    const edges: Array<{ child: number; parent: number }> = await em.query(`
      SELECT conrelid::int AS child, confrelid::int AS parent FROM pg_constraint
       WHERE contype = 'f' AND conrelid <> confrelid`);
    // Depth-first: a table is emitted only after every table that references it.
    const byOid = new Map(tables.map((t) => [t.oid, t]));
    const children = new Map<number, number[]>();
    for (const e of edges) {
      if (byOid.has(e.child) && byOid.has(e.parent)) {
        children.set(e.parent, [...(children.get(e.parent) ?? []), e.child]);
      }
    }
    const ordered: TenantTable[] = [];
    const seen = new Set<number>();
    const visit = (oid: number) => {
      if (seen.has(oid)) return;
      seen.add(oid);
      for (const child of children.get(oid) ?? []) visit(child);
      const { oid: _oid, ...table } = byOid.get(oid)!;
      ordered.push(table);
    };
    for (const t of tables) visit(t.oid);
    return ordered;
  }

  async deleteRows(table: TenantTable, tenantId: string): Promise<number> {
    const em = await requestContext.platformManager();
    return affectedOf(await em.query(`DELETE FROM ${table.qualified} WHERE tenant_id = $1`, [tenantId]));
  }

  async countRows(table: TenantTable, tenantId: string): Promise<number> {
    const em = await requestContext.platformManager();
    const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM ${table.qualified} WHERE tenant_id = $1`, [tenantId]);
    return n;
  }
}
