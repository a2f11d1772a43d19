-- Platform admin roles, and single-use password reset tokens for tenant users.

-- owner: everything, platform admins included; operator: tenants and shared resources;
-- viewer: reads only (src/modules/auth/permissions.ts). Existing admins (the first one, from the
-- environment) become owners; a new row must name its role.
ALTER TABLE platform_admins ADD COLUMN IF NOT EXISTS role text NOT NULL DEFAULT 'owner';
ALTER TABLE platform_admins ALTER COLUMN role DROP DEFAULT;
ALTER TABLE platform_admins DROP CONSTRAINT IF EXISTS platform_admins_role_valid;
ALTER TABLE platform_admins ADD CONSTRAINT platform_admins_role_valid CHECK (role IN ('owner', 'operator', 'viewer'));

-- password_resets: one reset token a tenant admin or a platform admin issued for a user. Only
-- the SHA-256 of the token is kept; it is good once (used_at) until expires_at (15 minutes).
-- A tenant table of the auth module (written by npm run make:tenant-table).
CREATE TABLE IF NOT EXISTS password_resets (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL,
  token_hash  text NOT NULL,
  expires_at  timestamptz NOT NULL DEFAULT now() + interval '15 minutes',
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT password_resets_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT password_resets_hash_key UNIQUE (tenant_id, token_hash),
  -- a deleted user's tokens go with it
  CONSTRAINT password_resets_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS password_resets_user_idx ON password_resets (tenant_id, user_id);
ALTER TABLE password_resets ENABLE ROW LEVEL SECURITY;
ALTER TABLE password_resets FORCE ROW LEVEL SECURITY;
-- The restrictive policy keeps every tenant-role statement to the current tenant, whatever
-- permissive policy is added later; the permissive ones say which commands the tenant may run.
DROP POLICY IF EXISTS password_resets_tenant_isolation ON password_resets;
CREATE POLICY password_resets_tenant_isolation ON password_resets AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS password_resets_tenant_read ON password_resets;
CREATE POLICY password_resets_tenant_read ON password_resets FOR SELECT TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS password_resets_tenant_insert ON password_resets;
CREATE POLICY password_resets_tenant_insert ON password_resets FOR INSERT TO tenancy_app
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS password_resets_tenant_update ON password_resets;
CREATE POLICY password_resets_tenant_update ON password_resets FOR UPDATE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS password_resets_tenant_delete ON password_resets;
CREATE POLICY password_resets_tenant_delete ON password_resets FOR DELETE TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()));
-- The platform role in platform scope (a platform admin's reset, the purge).
DROP POLICY IF EXISTS password_resets_platform_access ON password_resets;
CREATE POLICY password_resets_platform_access ON password_resets FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON password_resets FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON password_resets TO tenancy_app, tenancy_platform;
