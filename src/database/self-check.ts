import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { TenantContextSigner } from './tenant-context.js';

export class StartupCheckError extends Error {}

/**
 * Refuses to run when a runtime role could see past row-level security: superuser, BYPASSRLS,
 * owner of a table, a tenant table (one with a tenant_id column) without forced RLS, or a role
 * that can create objects (TEMPORARY or CREATE on the database, CREATE on a schema), with which a
 * temporary or new table could shadow a real one (migrations/0023).
 */
export async function assertRuntimeRoleIsSafe(ds: DataSource, label: string): Promise<void> {
  const [role] = await ds.query(`
    SELECT r.rolname, r.rolsuper, r.rolbypassrls,
           EXISTS (SELECT 1 FROM pg_roles m
                    WHERE pg_has_role(r.oid, m.oid, 'USAGE') AND (m.rolsuper OR m.rolbypassrls))
             AS inherits_bypass,
           (SELECT count(*)::int FROM pg_class c
             WHERE pg_has_role(r.oid, c.relowner, 'USAGE') AND c.relkind IN ('r', 'p', 'v', 'm', 'f'))
             AS owned
      FROM pg_roles r WHERE r.rolname = current_user`);
  const problems: string[] = [];
  const roleFixes: string[] = [];
  const attrs = [role.rolsuper && 'NOSUPERUSER', role.rolbypassrls && 'NOBYPASSRLS'].filter(Boolean);
  if (attrs.length > 0) roleFixes.push(`ALTER ROLE ${quoteIdent(role.rolname)} ${attrs.join(' ')}; (as a superuser)`);
  if (role.inherits_bypass && !role.rolsuper && !role.rolbypassrls) {
    const via: { name: string }[] = await ds.query(`
      SELECT quote_ident(m.rolname) AS name FROM pg_roles m
       WHERE pg_has_role(current_user, m.oid, 'USAGE') AND (m.rolsuper OR m.rolbypassrls)
         AND m.rolname <> current_user ORDER BY 1`);
    for (const v of via) roleFixes.push(`REVOKE ${v.name} FROM ${quoteIdent(role.rolname)};`);
  }
  if (role.rolsuper) problems.push('is a superuser');
  if (role.rolbypassrls) problems.push('has BYPASSRLS');
  if (role.inherits_bypass && !role.rolsuper && !role.rolbypassrls) {
    problems.push('is a member of a superuser or BYPASSRLS role');
  }
  if (role.owned > 0) problems.push(`owns ${role.owned} table(s) or view(s), so RLS would not apply`);
  const unforced: { relname: string }[] = await ds.query(`
    SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND EXISTS (SELECT 1 FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
       AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
     ORDER BY 1`);
  if (unforced.length > 0) {
    problems.push(
      `can reach tenant tables without forced RLS: ${unforced.map((t) => t.relname).join(', ')}`,
    );
  }
  const creates = await createPrivileges(ds);
  if (creates.problems.length > 0) problems.push(...creates.problems);
  if (problems.length > 0) {
    const fix =
      (roleFixes.length > 0 ? ` To fix, run: ${roleFixes.join(' ')}` : '') +
      (creates.fixes.length > 0 ? ` To fix, run as the database owner: ${creates.fixes.join(' ')}` : '');
    throw new StartupCheckError(
      `Refusing to start: the ${label} runtime role "${role.rolname}" ${problems.join('; ')}. ` +
        `Tenant isolation depends on it being NOSUPERUSER, NOBYPASSRLS, owning nothing and creating nothing.` +
        fix,
    );
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * TEMPORARY or CREATE on the current database, or CREATE on any schema, held by the current role
 * directly, through PUBLIC or through a role it belongs to. Each finding comes with the exact
 * statement that removes it, naming the grantees that hold it.
 */
async function createPrivileges(ds: DataSource): Promise<{ problems: string[]; fixes: string[] }> {
  const problems: string[] = [];
  const fixes: string[] = [];
  // Grantees whose grant reaches the current role: PUBLIC (0) or a role it is a member of.
  const grantees = (acl: string) => `
    SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS name
      FROM aclexplode(${acl}) a
     WHERE a.privilege_type = $1
       AND (a.grantee = 0 OR pg_has_role(current_user, a.grantee, 'USAGE'))`;
  const [database] = await ds.query(`
    SELECT current_database() AS name,
           has_database_privilege(current_database(), 'TEMPORARY') AS temp,
           has_database_privilege(current_database(), 'CREATE') AS create,
           pg_has_role(current_user, d.datdba, 'USAGE') AS owner,
           quote_ident(pg_get_userbyid(d.datdba)) AS db_owner
      FROM pg_database d WHERE d.datname = current_database()`);
  for (const [priv, held] of [['TEMPORARY', database.temp], ['CREATE', database.create]] as const) {
    if (!held) continue;
    problems.push(`has ${priv} on database ${database.name}`);
    if (database.owner) {
      fixes.push(`ALTER DATABASE ${quoteIdent(database.name)} OWNER TO <a role that is not a runtime role>;`);
      continue;
    }
    // datacl NULL means the default: TEMPORARY and CONNECT for PUBLIC
    const rows: { name: string }[] = await ds.query(
      `${grantees(`coalesce((SELECT datacl FROM pg_database WHERE datname = current_database()),
                            acldefault('d', (SELECT datdba FROM pg_database WHERE datname = current_database())))`)}
        ORDER BY 1`,
      [priv],
    );
    const from = rows.length > 0 ? rows.map((r) => r.name).join(', ') : 'PUBLIC';
    fixes.push(`REVOKE ${priv} ON DATABASE ${quoteIdent(database.name)} FROM ${from};`);
  }
  const schemas: { nspname: string; owner: boolean; grantees: string[] | null }[] = await ds.query(
    `SELECT n.nspname, pg_has_role(current_user, n.nspowner, 'USAGE') AS owner,
            ARRAY(${grantees(`coalesce(n.nspacl, acldefault('n', n.nspowner))`)} ORDER BY 1) AS grantees
       FROM pg_namespace n
      WHERE has_schema_privilege(n.oid, 'CREATE')
      ORDER BY 1`,
    ['CREATE'],
  );
  for (const s of schemas) {
    problems.push(`has CREATE on schema ${s.nspname}`);
    if (s.owner) fixes.push(`ALTER SCHEMA ${quoteIdent(s.nspname)} OWNER TO ${database.db_owner};`);
    else fixes.push(`REVOKE CREATE ON SCHEMA ${quoteIdent(s.nspname)} FROM ${(s.grantees ?? []).join(', ') || 'PUBLIC'};`);
  }
  return { problems, fixes };
}

/**
 * Refuses to run when the database would not accept this service's signed context (a
 * TENANT_CONTEXT_KEY it does not hold, a key rotated away, clocks too far apart), instead of
 * serving every request with no tenant: signs a probe for a random tenant and for the platform
 * scope, sets each in a transaction as the runtime role, and asks the context functions what they
 * see. Also refuses when a runtime role can read the keys.
 */
export async function assertContextSignatureAccepted(
  tenant: DataSource,
  platform: DataSource,
  signer: TenantContextSigner,
): Promise<void> {
  for (const [label, ds] of [['tenant', tenant], ['platform', platform]] as const) {
    const [keys] = await ds.query(`
      SELECT has_table_privilege('app.tenant_context_keys', 'SELECT, INSERT, UPDATE, DELETE') AS table,
             has_function_privilege('app.tenant_context_signing_key()', 'EXECUTE') AS function`);
    if (keys.table || keys.function) {
      throw new StartupCheckError(
        `Refusing to start: the ${label} runtime role can read the tenant context keys ` +
          `(${[keys.table && 'app.tenant_context_keys', keys.function && 'app.tenant_context_signing_key()'].filter(Boolean).join(', ')}), ` +
          'so SQL running as it could sign any tenant. To fix, run as the owner: ' +
          'REVOKE ALL ON app.tenant_context_keys FROM PUBLIC, <runtime roles>; ' +
          'REVOKE EXECUTE ON FUNCTION app.tenant_context_signing_key() FROM PUBLIC, <runtime roles>;',
      );
    }
  }
  const probeTenant = randomUUID();
  const seen = async (ttlMs: number) => ({
    tenant: (await probe(tenant, "SELECT set_config('app.current_tenant_id', $1, true)", [signer.tenant(probeTenant, ttlMs)],
      'SELECT app.current_tenant_id()::text AS v')) === probeTenant,
    platform: (await probe(platform, "SELECT set_config('app.scope', $1, true)", [signer.platform(ttlMs)],
      'SELECT app.is_platform() AS v')) === true,
  });
  const now = await seen(signer.ttlMs);
  if (now.tenant && now.platform) return;
  const failed = [!now.tenant && 'tenant', !now.platform && 'platform scope'].filter(Boolean).join(' and ');
  // a day's expiry tells a clock problem from a key the database does not hold
  const later = await seen(24 * 3600_000);
  if (later.tenant && later.platform) {
    throw new StartupCheckError(
      `Refusing to start: the database refuses this service's signed ${failed} context as expired ` +
        `(TENANT_CONTEXT_TTL_MS=${signer.ttlMs}, measured clock offset ${signer.offsetMs} ms). ` +
        'Raise TENANT_CONTEXT_TTL_MS or fix the clocks.',
    );
  }
  throw new StartupCheckError(
    `Refusing to start: the database does not accept this service's signed ${failed} context ` +
      `(key ${signer.key.kid}): the service and the database disagree about the tenant context key, ` +
      'so every request would see no tenant. The database accepts its current key and the one before ' +
      'it. To fix: start through the service\'s setup (it installs TENANT_CONTEXT_KEY as the current ' +
      'key, or generates one), or unset TENANT_CONTEXT_KEY to use the key the database holds.',
  );
}

/** Sets a context in a transaction of `ds` (rolled back) and returns what `check` answers. */
async function probe(ds: DataSource, set: string, params: unknown[], check: string): Promise<unknown> {
  const runner = ds.createQueryRunner();
  try {
    await runner.startTransaction();
    await runner.query(set, params);
    const [row] = await runner.query(check);
    return row?.v;
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
}
