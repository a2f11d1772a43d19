import type { Sql } from '../helpers/db.js';
import { testRoles } from '../helpers/env.js';

/**
 * Catalog lints of docs/isolation.md 1–6 and 28. Each returns the list of violations (empty = pass), so a
 * table added later that forgets RLS, FORCE, WITH CHECK or tenant_id in a key fails CI.
 */

// the run's own runtime roles (test/helpers/test-bed.ts), tenancy_app / tenancy_platform by default
export const RUNTIME_ROLES = [testRoles().tenant, testRoles().platform];
export const TENANT_ROLE = testRoles().tenant;

/** Tables in the app schemas that may have no RLS at all, and why. */
export const NO_RLS_ALLOW_LIST: Record<string, string> = {
  schema_migrations: 'migration bookkeeping; no runtime role has any privilege on it',
};

/** Tables whose reads may widen beyond the owner tenant through sharing rules. */
export const SHAREABLE_TABLES = new Set(['resources', 'resource_shares']);

/** SECURITY DEFINER functions that are allowed, and why. */
export const SECURITY_DEFINER_ALLOW_LIST: Record<string, string> = {
  'app.resolve_tenant(text)': 'tenant resolution before any context; returns one tenant by key',
  'app.verified_context(text,text)': 'verifies a signed context against the keys the runtime roles cannot read; returns its subject or NULL',
  'app.tenant_context_signing_key()': 'the current context key for the service at start; EXECUTE for the owner only',
};

/** The only functions that may read the context settings; they verify the signature (migrations/0030). */
export const CONTEXT_READERS = new Set(['app.current_tenant_id()', 'app.is_platform()']);

/**
 * Keys of tenant tables that may omit tenant_id, and why. Only a reference that is cross-tenant
 * by definition belongs here; the lint itself stays as strict for every other key.
 */
export const CROSS_TENANT_KEY_ALLOW_LIST: Record<string, string> = {
  'resource_shares.resource_shares_grantee_fkey':
    'the grantee of a share is another tenant by definition; tenant_id (the owner) is in the key and in the foreign key to resources',
};

const APP_SCHEMAS = `('public', 'app')`;

/**
 * The tenant tables of the migrations (idempotency_keys is platform data: no tenant_id). Every
 * lint that walks tenant tables first checks these are among them, so a lint cannot pass on a
 * schema where it finds no tenant tables (a renamed column or schema would otherwise empty its
 * input). A table added later is linted without being listed here.
 */
export const KNOWN_TENANT_TABLES = ['audit_logs', 'integrations', 'password_resets', 'refresh_tokens', 'resource_shares', 'resources', 'users'];

/** Violations for the known tenant tables missing from `found` (the tables a lint inspected). */
export function missingKnownTables(found: string[]): string[] {
  return KNOWN_TENANT_TABLES.filter((t) => !found.includes(t)).map((t) => `${t}: known tenant table not among the tables inspected`);
}

export async function tenantTables(sql: Sql): Promise<string[]> {
  const { rows } = await sql.query(`
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname IN ${APP_SCHEMAS}
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                    AND a.attname = 'tenant_id' AND NOT a.attisdropped)
     ORDER BY 1`);
  return rows.map((r) => r.relname);
}

/** 1. Runtime roles: no superuser, no BYPASSRLS, own nothing, no TRUNCATE/REFERENCES/TRIGGER. */
export async function lintRuntimeRoles(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const { rows: roles } = await sql.query(
    `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = ANY($1)`,
    [RUNTIME_ROLES],
  );
  if (roles.length !== RUNTIME_ROLES.length) out.push(`missing runtime roles: found ${roles.map((r) => r.rolname)}`);
  for (const r of roles) {
    if (r.rolsuper) out.push(`${r.rolname} is SUPERUSER`);
    if (r.rolbypassrls) out.push(`${r.rolname} has BYPASSRLS`);
    if (r.rolcreaterole) out.push(`${r.rolname} has CREATEROLE`);
    if (r.rolcreatedb) out.push(`${r.rolname} has CREATEDB`);
  }
  const { rows: owned } = await sql.query(`
    SELECT r.rolname, c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
     WHERE r.rolname = ANY($1)`, [RUNTIME_ROLES]);
  for (const o of owned) out.push(`${o.rolname} owns ${o.relname}`);
  const { rows: privs } = await sql.query(`
    SELECT r.rolname, c.relname, p.priv
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN pg_roles r
      CROSS JOIN unnest(ARRAY['TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)
     WHERE n.nspname IN ${APP_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm')
       AND r.rolname = ANY($1) AND has_table_privilege(r.oid, c.oid, p.priv)`, [RUNTIME_ROLES]);
  for (const p of privs) out.push(`${p.rolname} holds ${p.priv} on ${p.relname}`);
  return out;
}

/**
 * 1b. Runtime roles create nothing (docs/isolation.md 28): no TEMPORARY or CREATE on the database, no
 * CREATE on any schema, whether granted directly, to PUBLIC or to a role they belong to. A
 * temporary table is searched before public, so `CREATE TEMP TABLE resources` would shadow the
 * real table for the rest of a pooled session.
 */
export async function lintRuntimeRolesCreateNothing(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const { rows } = await sql.query(`
    SELECT r.rolname, p.priv
      FROM pg_roles r CROSS JOIN unnest(ARRAY['TEMPORARY', 'CREATE']) AS p(priv)
     WHERE r.rolname = ANY($1) AND has_database_privilege(r.oid, current_database(), p.priv)`, [RUNTIME_ROLES]);
  for (const r of rows) {
    out.push(`${r.rolname} holds ${r.priv} on the database: REVOKE ${r.priv} ON DATABASE <db> FROM PUBLIC, ${r.rolname}`);
  }
  const { rows: schemas } = await sql.query(`
    SELECT r.rolname, n.nspname FROM pg_namespace n CROSS JOIN pg_roles r
     WHERE r.rolname = ANY($1) AND has_schema_privilege(r.oid, n.oid, 'CREATE')
     ORDER BY 1, 2`, [RUNTIME_ROLES]);
  for (const s of schemas) {
    out.push(`${s.rolname} holds CREATE on schema ${s.nspname}: REVOKE CREATE ON SCHEMA ${s.nspname} FROM PUBLIC, ${s.rolname}`);
  }
  return out;
}

interface PolicyRow {
  tablename: string;
  policyname: string;
  permissive: string;
  roles: string[];
  cmd: string;
  qual: string | null;
  with_check: string | null;
}

async function policies(sql: Sql): Promise<PolicyRow[]> {
  const { rows } = await sql.query(`
    SELECT tablename, policyname, permissive, roles::text[] AS roles, cmd, qual, with_check
      FROM pg_policies WHERE schemaname IN ${APP_SCHEMAS}`);
  return rows;
}

const appliesTo = (p: PolicyRow, role: string) => p.roles.includes(role) || p.roles.includes('public');
const covers = (p: PolicyRow, cmd: string) => p.cmd === 'ALL' || p.cmd === cmd;

/** 2. RLS enabled and forced on tenant tables; a policy per granted command; WITH CHECK on writes. */
export async function lintRowLevelSecurity(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const { rows: tables } = await sql.query(`
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                    AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS has_tenant
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname IN ${APP_SCHEMAS}`);
  const all = await policies(sql);
  out.push(...missingKnownTables(tables.filter((t) => t.has_tenant).map((t) => t.relname)));
  for (const t of tables) {
    if (!t.relrowsecurity && !(t.relname in NO_RLS_ALLOW_LIST)) {
      out.push(`${t.relname}: RLS is not enabled and the table is not on the allow-list`);
    }
    if (!t.has_tenant) continue;
    if (!t.relrowsecurity) out.push(`${t.relname}: RLS not enabled`);
    if (!t.relforcerowsecurity) out.push(`${t.relname}: RLS not forced`);
    const own = all.filter((p) => p.tablename === t.relname);
    for (const role of RUNTIME_ROLES) {
      for (const cmd of ['SELECT', 'INSERT', 'UPDATE', 'DELETE']) {
        const { rows } = await sql.query('SELECT has_table_privilege($1, $2, $3) AS ok', [role, `public.${t.relname}`, cmd]);
        if (!rows[0].ok) continue;
        const permissive = own.filter((p) => p.permissive === 'PERMISSIVE' && appliesTo(p, role) && covers(p, cmd));
        if (permissive.length === 0) out.push(`${t.relname}: ${role} may ${cmd} but no policy covers it`);
      }
    }
    for (const p of own) {
      if (['ALL', 'INSERT', 'UPDATE'].includes(p.cmd) && !p.with_check) {
        out.push(`${t.relname}.${p.policyname}: ${p.cmd} policy without an explicit WITH CHECK`);
      }
    }
  }
  return out;
}

/** Removes `( SELECT … )` sub-expressions, which Postgres evaluates once per statement. */
export function stripSubSelects(expr: string): string {
  let out = '';
  for (let i = 0; i < expr.length; i++) {
    if (expr[i] === '(' && /^\(\s*SELECT\b/i.test(expr.slice(i))) {
      let depth = 0;
      for (; i < expr.length; i++) {
        if (expr[i] === '(') depth++;
        else if (expr[i] === ')' && --depth === 0) break;
      }
      out += '(subselect)';
      continue;
    }
    out += expr[i];
  }
  return out;
}

const SQL_CONSTRUCTS = new Set(['any', 'all', 'array', 'exists', 'in', 'not', 'and', 'or', 'coalesce', 'nullif', 'case', 'when', 'then', 'else']);

/** 3. No USING (true), no IS NULL escape, no bare function call per row. */
export async function lintPolicyExpressions(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const all = await policies(sql);
  out.push(...missingKnownTables([...new Set(all.map((p) => p.tablename))]));
  for (const p of all) {
    for (const [kind, expr] of [['USING', p.qual], ['WITH CHECK', p.with_check]] as const) {
      if (!expr) continue;
      const name = `${p.tablename}.${p.policyname} ${kind}`;
      if (/^\(?\s*true\s*\)?$/i.test(expr.trim())) out.push(`${name} is (true)`);
      if (/\bIS\s+NULL\b/i.test(expr)) out.push(`${name} has an IS NULL escape: ${expr}`);
      const bare = stripSubSelects(expr);
      if (/current_setting\s*\(/i.test(bare)) out.push(`${name} calls current_setting bare: ${expr}`);
      for (const m of bare.matchAll(/([a-z_][a-z0-9_.]*)\s*\(/gi)) {
        if (!SQL_CONSTRUCTS.has(m[1].toLowerCase())) out.push(`${name} calls ${m[1]}() per row: ${expr}`);
      }
    }
  }
  return out;
}

const READS_CONTEXT_SETTING = /current_setting\s*\(\s*'app\.(current_tenant_id|scope)'/i;

/**
 * 3b. Policies read the tenant and the platform scope only through the verifying functions
 * (app.current_tenant_id(), app.is_platform()): a policy, or a function other than those two,
 * that reads app.current_tenant_id or app.scope with current_setting trusts a value any SQL can
 * set (set_config), even wrapped in `(SELECT …)`.
 */
export async function lintContextReadsVerified(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  for (const p of await policies(sql)) {
    for (const [kind, expr] of [['USING', p.qual], ['WITH CHECK', p.with_check]] as const) {
      if (expr && /current_setting\s*\(/i.test(expr)) {
        out.push(`${p.tablename}.${p.policyname} ${kind} reads current_setting instead of app.current_tenant_id() / app.is_platform(): ${expr}`);
      }
    }
  }
  const { rows: fns } = await sql.query(`
    SELECT p.oid::regprocedure::text AS sig, p.prosrc
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname IN ${APP_SCHEMAS}`);
  for (const f of fns) {
    if (!CONTEXT_READERS.has(f.sig) && READS_CONTEXT_SETTING.test(f.prosrc)) {
      out.push(`${f.sig} reads the tenant context setting unverified; call app.current_tenant_id() / app.is_platform()`);
    }
  }
  return out;
}

const isTenantPredicate = (expr: string | null) =>
  !!expr && /tenant_id\s*=\s*\(\s*SELECT\s+app\.current_tenant_id\(\)/i.test(expr);

/** 4. Non-shareable tables: RESTRICTIVE tenant isolation for the tenant role; shareable: writes owner-only. */
export async function lintRestrictiveIsolation(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const all = await policies(sql);
  const tables = await tenantTables(sql);
  out.push(...missingKnownTables(tables));
  for (const table of tables) {
    const restrictive = all.filter(
      (p) => p.tablename === table && p.permissive === 'RESTRICTIVE' && appliesTo(p, TENANT_ROLE),
    );
    const guarded = (cmd: string) =>
      restrictive.some(
        (p) =>
          covers(p, cmd) &&
          (cmd === 'INSERT' || isTenantPredicate(p.qual)) &&
          (cmd === 'DELETE' || cmd === 'SELECT' || isTenantPredicate(p.with_check)),
      );
    const cmds = SHAREABLE_TABLES.has(table) ? ['INSERT', 'UPDATE', 'DELETE'] : ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    for (const cmd of cmds) {
      if (!guarded(cmd)) out.push(`${table}: no RESTRICTIVE tenant_id = current tenant policy covers ${cmd}`);
    }
  }
  return out;
}

/** 5. Views are security_invoker; SECURITY DEFINER functions pin search_path, deny PUBLIC, are allow-listed. */
export async function lintViewsAndFunctions(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const { rows: views } = await sql.query(`
    SELECT c.relname, c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('v', 'm') AND n.nspname IN ${APP_SCHEMAS}`);
  for (const v of views) {
    const opts: string[] = v.reloptions ?? [];
    if (!opts.some((o) => /^security_invoker=(true|on|1)$/i.test(o))) out.push(`view ${v.relname} is not security_invoker`);
  }
  const { rows: fns } = await sql.query(`
    SELECT p.oid::regprocedure::text AS sig,
           p.proconfig,
           p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                        WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_exec
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE p.prosecdef AND n.nspname IN ${APP_SCHEMAS}`);
  for (const f of fns) {
    if (!(f.sig in SECURITY_DEFINER_ALLOW_LIST)) out.push(`SECURITY DEFINER ${f.sig} is not on the allow-list`);
    if (!(f.proconfig ?? []).some((c: string) => c.startsWith('search_path='))) out.push(`SECURITY DEFINER ${f.sig} does not pin search_path`);
    if (f.public_exec) out.push(`SECURITY DEFINER ${f.sig} is executable by PUBLIC`);
  }
  return out;
}

/**
 * 5b. A function in the app schemas that pins search_path names pg_temp, last: left out, the
 * temporary schema is searched first, so a temporary table could shadow the tables it reads.
 */
export async function lintSearchPathTempLast(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const { rows } = await sql.query(`
    SELECT p.oid::regprocedure::text AS sig, c AS setting
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      CROSS JOIN unnest(p.proconfig) c
     WHERE n.nspname IN ${APP_SCHEMAS} AND c LIKE 'search_path=%'`);
  for (const f of rows) {
    const path = (f.setting as string).slice('search_path='.length).split(',').map((x) => x.trim().replace(/^"|"$/g, ''));
    if (path[path.length - 1] !== 'pg_temp') out.push(`${f.sig} pins ${f.setting} without pg_temp last`);
  }
  return out;
}

/** 6. Every primary key, unique constraint/index and foreign key of a tenant table includes tenant_id. */
export async function lintTenantKeys(sql: Sql): Promise<string[]> {
  const out: string[] = [];
  const tables = await tenantTables(sql);
  out.push(...missingKnownTables(tables));
  const { rows } = await sql.query(`
    SELECT c.relname, con.conname, con.contype,
           ARRAY(SELECT a.attname FROM unnest(con.conkey) k JOIN pg_attribute a
                  ON a.attrelid = con.conrelid AND a.attnum = k)::text[] AS cols,
           fc.relname AS ref_table,
           ARRAY(SELECT a.attname FROM unnest(con.confkey) k JOIN pg_attribute a
                  ON a.attrelid = con.confrelid AND a.attnum = k)::text[] AS ref_cols
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
      LEFT JOIN pg_class fc ON fc.oid = con.confrelid
     WHERE con.contype IN ('p', 'u', 'f') AND c.relname = ANY($1)`, [tables]);
  for (const r of rows) {
    const kind = { p: 'primary key', u: 'unique constraint', f: 'foreign key' }[r.contype as 'p' | 'u' | 'f'];
    if (`${r.relname}.${r.conname}` in CROSS_TENANT_KEY_ALLOW_LIST) continue;
    if (!r.cols.includes('tenant_id')) out.push(`${r.relname}.${r.conname}: ${kind} without tenant_id (${r.cols})`);
    if (r.contype === 'f' && tables.includes(r.ref_table) && !r.ref_cols.includes('tenant_id')) {
      out.push(`${r.relname}.${r.conname}: foreign key to ${r.ref_table} does not match on tenant_id`);
    }
  }
  const { rows: idx } = await sql.query(`
    SELECT c.relname, i.relname AS index,
           ARRAY(SELECT a.attname FROM unnest(x.indkey) k JOIN pg_attribute a
                  ON a.attrelid = x.indrelid AND a.attnum = k)::text[] AS cols
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indisunique AND c.relname = ANY($1)`, [tables]);
  for (const r of idx) {
    if (!r.cols.includes('tenant_id')) out.push(`${r.relname}.${r.index}: unique index without tenant_id (${r.cols})`);
  }
  return out;
}

export const ALL_LINTS = {
  lintRuntimeRoles,
  lintRuntimeRolesCreateNothing,
  lintRowLevelSecurity,
  lintPolicyExpressions,
  lintContextReadsVerified,
  lintRestrictiveIsolation,
  lintViewsAndFunctions,
  lintSearchPathTempLast,
  lintTenantKeys,
};
