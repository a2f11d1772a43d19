-- The one place policies read the tenant from. NULLIF makes a cleared setting ('' after a
-- commit on a reused connection) fail closed; STABLE lets `(select app.current_tenant_id())`
-- be evaluated once per statement instead of once per row.
CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(current_setting('app.current_tenant_id', true), '')::uuid $$;

-- Platform-admin requests set app.scope = 'platform' on the platform role's transaction; the
-- platform role sees nothing without it, so a platform connection also fails closed.
CREATE OR REPLACE FUNCTION app.is_platform() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(current_setting('app.scope', true) = 'platform', false) $$;

REVOKE EXECUTE ON FUNCTION app.current_tenant_id() FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION app.is_platform() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.current_tenant_id() TO tenancy_app, tenancy_platform;
GRANT EXECUTE ON FUNCTION app.is_platform() TO tenancy_app, tenancy_platform;
