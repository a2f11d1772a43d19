-- The runtime roles create nothing: no temporary tables, no schemas, no objects in any schema.
--
-- A temporary table is found before any other relation when pg_temp is not named in search_path
-- (Postgres searches it first, even before pg_catalog): a `CREATE TEMP TABLE resources` shadowed
-- the real table for every unqualified query of the session, inside
-- app.list_visible_resources (search_path pinned to pg_catalog, public) too, and on a pooled
-- connection it outlives the request that made it. TEMPORARY is granted to PUBLIC on every new
-- database, so revoking it from the runtime roles alone changes nothing: revoke it from PUBLIC
-- on this database as well. Run as the database's owner (the migration role), which may revoke
-- any privilege on it; the start-up self-check (src/database/self-check.ts) refuses to boot if a
-- runtime role still has TEMPORARY or CREATE anywhere, e.g. on a database created later without
-- this migration's grants (database privileges are not copied from a template).
DO $$
BEGIN
  EXECUTE format('REVOKE TEMPORARY, CREATE ON DATABASE %I FROM PUBLIC, tenancy_app, tenancy_platform',
                 current_database());
END
$$;
REVOKE CREATE ON SCHEMA public FROM PUBLIC, tenancy_app, tenancy_platform;
REVOKE CREATE ON SCHEMA app FROM PUBLIC, tenancy_app, tenancy_platform;

-- Belt and braces, should a temporary schema ever exist for a session: functions with a pinned
-- search_path name pg_temp last, so it is searched after everything else instead of first.
-- (pg_temp is never searched for functions or operators, only relations and types.)
ALTER FUNCTION app.list_visible_resources(text, text, int, int) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION app.revoke_user_refresh_tokens() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION app.revoke_tenant_refresh_tokens() SET search_path = pg_catalog, public, pg_temp;

-- The tenant-context functions take no search_path clause (they are inlined into every policy);
-- their names are schema-qualified instead, so no search_path can change what they mean.
CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(pg_catalog.current_setting('app.current_tenant_id', true), '')::pg_catalog.uuid $$;
CREATE OR REPLACE FUNCTION app.is_platform() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(pg_catalog.current_setting('app.scope', true) = 'platform', false) $$;
