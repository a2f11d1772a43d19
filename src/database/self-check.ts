import type { DataSource } from 'typeorm';

export class StartupCheckError extends Error {}

/**
 * Refuses to run when a runtime role could see past row-level security: superuser, BYPASSRLS,
 * owner of a table, or a tenant table (one with a tenant_id column) without forced RLS.
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
  if (problems.length > 0) {
    throw new StartupCheckError(
      `Refusing to start: the ${label} runtime role "${role.rolname}" ${problems.join('; ')}. ` +
        `Tenant isolation depends on it being NOSUPERUSER, NOBYPASSRLS and owning nothing.`,
    );
  }
}
