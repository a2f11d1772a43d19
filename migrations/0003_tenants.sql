-- The tenant registry. RLS is enabled (the runtime roles are never its owner) but not forced, so
-- the owner's SECURITY DEFINER resolver below can look a tenant up before any context exists.
CREATE TABLE IF NOT EXISTS tenants (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  subdomain        text NOT NULL,
  company_name     text NOT NULL,
  type             text NOT NULL DEFAULT 'client',
  tier             text NOT NULL DEFAULT 'free',
  status           text NOT NULL DEFAULT 'provisioning',
  settings         jsonb NOT NULL DEFAULT '{}'::jsonb,
  metadata         jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  suspended_at     timestamptz,
  suspended_reason text,
  deleted_at       timestamptz,
  purge_after      timestamptz,
  CONSTRAINT tenants_subdomain_format
    CHECK (subdomain ~ '^[a-z0-9][a-z0-9-]{1,48}[a-z0-9]$'),
  CONSTRAINT tenants_company_name_length CHECK (char_length(company_name) BETWEEN 1 AND 200),
  CONSTRAINT tenants_type_valid CHECK (type IN ('client', 'solution', 'industry', 'platform')),
  CONSTRAINT tenants_tier_valid CHECK (tier IN ('free', 'professional', 'enterprise')),
  CONSTRAINT tenants_status_valid
    CHECK (status IN ('provisioning', 'active', 'suspended', 'deleted'))
);
CREATE UNIQUE INDEX IF NOT EXISTS tenants_subdomain_key ON tenants (subdomain);
CREATE INDEX IF NOT EXISTS tenants_status_created_idx ON tenants (status, created_at);

ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;

-- A tenant session sees and updates only its own row; the restrictive policy keeps it so
-- whatever permissive policy is added later.
DROP POLICY IF EXISTS tenants_tenant_isolation ON tenants;
CREATE POLICY tenants_tenant_isolation ON tenants AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (id = (SELECT app.current_tenant_id()))
  WITH CHECK (id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS tenants_tenant_read ON tenants;
CREATE POLICY tenants_tenant_read ON tenants FOR SELECT TO tenancy_app
  USING (id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS tenants_tenant_update ON tenants;
CREATE POLICY tenants_tenant_update ON tenants FOR UPDATE TO tenancy_app
  USING (id = (SELECT app.current_tenant_id()))
  WITH CHECK (id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS tenants_platform_access ON tenants;
CREATE POLICY tenants_platform_access ON tenants FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));

REVOKE ALL ON tenants FROM PUBLIC;
GRANT SELECT ON tenants TO tenancy_app;
GRANT UPDATE (settings, updated_at) ON tenants TO tenancy_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants TO tenancy_platform;

-- Resolution before any tenant context exists (Host / X-Tenant-ID): returns only what resolution
-- needs, for one key, so the tenant role can never list tenants.
CREATE OR REPLACE FUNCTION app.resolve_tenant(p_key text)
  RETURNS TABLE (id uuid, subdomain text, status text, type text, tier text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT t.id, t.subdomain, t.status, t.type, t.tier
      FROM public.tenants t
     WHERE CASE
             WHEN p_key ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
               THEN t.id = p_key::uuid
             ELSE t.subdomain = lower(p_key)
           END
  $$;
REVOKE EXECUTE ON FUNCTION app.resolve_tenant(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.resolve_tenant(text) TO tenancy_app, tenancy_platform;
