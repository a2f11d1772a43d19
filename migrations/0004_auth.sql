-- Tenant users, platform admins, refresh tokens and the tenant audit trail.

CREATE TABLE IF NOT EXISTS users (
  tenant_id     uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  password_hash text NOT NULL,
  role          text NOT NULL DEFAULT 'member',
  status        text NOT NULL DEFAULT 'active',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
  -- emails are stored lower-cased, so uniqueness is case-insensitive and per tenant
  CONSTRAINT users_tenant_email_key UNIQUE (tenant_id, email),
  CONSTRAINT users_email_lower CHECK (email = lower(email) AND char_length(email) BETWEEN 3 AND 254),
  CONSTRAINT users_role_valid CHECK (role IN ('admin', 'member', 'read_only')),
  CONSTRAINT users_status_valid CHECK (status IN ('active', 'disabled'))
);
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS users_tenant_isolation ON users;
CREATE POLICY users_tenant_isolation ON users AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS users_tenant_access ON users;
CREATE POLICY users_tenant_access ON users FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS users_platform_access ON users;
CREATE POLICY users_platform_access ON users FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON users FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON users TO tenancy_app, tenancy_platform;

CREATE TABLE IF NOT EXISTS refresh_tokens (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT refresh_tokens_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT refresh_tokens_hash_key UNIQUE (tenant_id, token_hash),
  CONSTRAINT refresh_tokens_user_fkey FOREIGN KEY (tenant_id, user_id)
    REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS refresh_tokens_family_idx ON refresh_tokens (tenant_id, family_id);
CREATE INDEX IF NOT EXISTS refresh_tokens_user_idx ON refresh_tokens (tenant_id, user_id);
ALTER TABLE refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE refresh_tokens FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS refresh_tokens_tenant_isolation ON refresh_tokens;
CREATE POLICY refresh_tokens_tenant_isolation ON refresh_tokens AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS refresh_tokens_tenant_access ON refresh_tokens;
CREATE POLICY refresh_tokens_tenant_access ON refresh_tokens FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS refresh_tokens_platform_access ON refresh_tokens;
CREATE POLICY refresh_tokens_platform_access ON refresh_tokens FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON refresh_tokens FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON refresh_tokens TO tenancy_app, tenancy_platform;

-- Append-only for both runtime roles: INSERT and SELECT, nothing else. A purged tenant's
-- entries go with the tenant row (ON DELETE CASCADE runs as the system, not the caller).
CREATE TABLE IF NOT EXISTS audit_logs (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  actor_id    uuid,
  action      text NOT NULL,
  target_type text,
  target_id   text,
  request_id  text,
  ip          text,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audit_logs_pkey PRIMARY KEY (tenant_id, id),
  CONSTRAINT audit_logs_action_format CHECK (action ~ '^[a-z][a-z0-9_.]{1,63}$')
);
CREATE INDEX IF NOT EXISTS audit_logs_tenant_created_idx ON audit_logs (tenant_id, created_at DESC);
ALTER TABLE audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_logs FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS audit_logs_tenant_isolation ON audit_logs;
CREATE POLICY audit_logs_tenant_isolation ON audit_logs AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS audit_logs_tenant_read ON audit_logs;
CREATE POLICY audit_logs_tenant_read ON audit_logs FOR SELECT TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS audit_logs_tenant_append ON audit_logs;
CREATE POLICY audit_logs_tenant_append ON audit_logs FOR INSERT TO tenancy_app
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS audit_logs_platform_read ON audit_logs;
CREATE POLICY audit_logs_platform_read ON audit_logs FOR SELECT TO tenancy_platform
  USING ((SELECT app.is_platform()));
DROP POLICY IF EXISTS audit_logs_platform_append ON audit_logs;
CREATE POLICY audit_logs_platform_append ON audit_logs FOR INSERT TO tenancy_platform
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON audit_logs FROM PUBLIC;
GRANT SELECT, INSERT ON audit_logs TO tenancy_app, tenancy_platform;

-- Platform admins: no tenant, reachable only by the platform role in platform scope.
CREATE TABLE IF NOT EXISTS platform_admins (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL,
  password_hash text NOT NULL,
  status        text NOT NULL DEFAULT 'active',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT platform_admins_email_key UNIQUE (email),
  CONSTRAINT platform_admins_email_lower CHECK (email = lower(email)),
  CONSTRAINT platform_admins_status_valid CHECK (status IN ('active', 'disabled'))
);
ALTER TABLE platform_admins ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_admins FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS platform_admins_platform_access ON platform_admins;
CREATE POLICY platform_admins_platform_access ON platform_admins FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON platform_admins FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_admins TO tenancy_platform;

CREATE TABLE IF NOT EXISTS platform_refresh_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  admin_id    uuid NOT NULL REFERENCES platform_admins (id) ON DELETE CASCADE,
  family_id   uuid NOT NULL,
  token_hash  text NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT platform_refresh_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX IF NOT EXISTS platform_refresh_tokens_family_idx ON platform_refresh_tokens (family_id);
ALTER TABLE platform_refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_refresh_tokens FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS platform_refresh_tokens_platform_access ON platform_refresh_tokens;
CREATE POLICY platform_refresh_tokens_platform_access ON platform_refresh_tokens FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON platform_refresh_tokens FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON platform_refresh_tokens TO tenancy_platform;
