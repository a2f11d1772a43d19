-- Registry and provisioning: the platform audit trail, idempotency keys for provisioning, and
-- tenants' encrypted integration credentials.

-- Platform audit trail for /v1/admin/** actions. Not a tenant table (no tenant_id column): its
-- entries outlive the tenants they name, including the record of a tenant's purge. Append-only
-- for the platform role; the tenant role holds no privilege at all.
CREATE TABLE IF NOT EXISTS platform_audit_logs (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  actor_id         text,
  action           text NOT NULL,
  target_type      text,
  target_id        text,
  target_tenant_id uuid,
  request_id       text,
  ip               text,
  detail           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT platform_audit_logs_action_format CHECK (action ~ '^[a-z][a-z0-9_.]{1,63}$')
);
CREATE INDEX IF NOT EXISTS platform_audit_logs_created_idx ON platform_audit_logs (created_at DESC, id);
CREATE INDEX IF NOT EXISTS platform_audit_logs_tenant_idx
  ON platform_audit_logs (target_tenant_id, created_at DESC);
ALTER TABLE platform_audit_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE platform_audit_logs FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS platform_audit_logs_platform_read ON platform_audit_logs;
CREATE POLICY platform_audit_logs_platform_read ON platform_audit_logs FOR SELECT TO tenancy_platform
  USING ((SELECT app.is_platform()));
DROP POLICY IF EXISTS platform_audit_logs_platform_append ON platform_audit_logs;
CREATE POLICY platform_audit_logs_platform_append ON platform_audit_logs FOR INSERT TO tenancy_platform
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON platform_audit_logs FROM PUBLIC;
GRANT SELECT, INSERT ON platform_audit_logs TO tenancy_platform;

-- Idempotency keys of platform-admin POSTs: one row per (actor, route, key), written in the same
-- transaction as the change, so a failed call leaves no key behind. The stored answer can hold
-- a generated password, so it is kept encrypted (AES-256-GCM, like integration credentials).
CREATE TABLE IF NOT EXISTS idempotency_keys (
  actor_id      text NOT NULL,
  route         text NOT NULL,
  key           text NOT NULL,
  request_hash  text NOT NULL,
  status_code   integer NOT NULL,
  response      bytea NOT NULL,
  key_version   text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL DEFAULT now() + interval '24 hours',
  CONSTRAINT idempotency_keys_pkey PRIMARY KEY (actor_id, route, key),
  CONSTRAINT idempotency_keys_key_length CHECK (char_length(key) BETWEEN 1 AND 255)
);
CREATE INDEX IF NOT EXISTS idempotency_keys_expires_idx ON idempotency_keys (expires_at);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS idempotency_keys_platform_access ON idempotency_keys;
CREATE POLICY idempotency_keys_platform_access ON idempotency_keys FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON idempotency_keys FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO tenancy_platform;

-- Third-party credentials of a tenant. The secret JSON is AES-256-GCM ciphertext; the tenant id
-- and name are bound as additional data, so a value moved to another row or tenant fails to
-- decrypt. key_version names the key that sealed it (a fingerprint, never the key).
CREATE TABLE IF NOT EXISTS integrations (
  tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  name         text NOT NULL,
  provider     text NOT NULL,
  field_names  text[] NOT NULL DEFAULT '{}',
  ciphertext   bytea NOT NULL,
  iv           bytea NOT NULL,
  auth_tag     bytea NOT NULL,
  key_version  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT integrations_pkey PRIMARY KEY (tenant_id, name),
  CONSTRAINT integrations_name_format CHECK (name ~ '^[a-z][a-z0-9_-]{1,39}$'),
  CONSTRAINT integrations_iv_length CHECK (octet_length(iv) = 12),
  CONSTRAINT integrations_tag_length CHECK (octet_length(auth_tag) = 16)
);
CREATE INDEX IF NOT EXISTS integrations_key_version_idx ON integrations (key_version);
ALTER TABLE integrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE integrations FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS integrations_tenant_isolation ON integrations;
CREATE POLICY integrations_tenant_isolation ON integrations AS RESTRICTIVE FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS integrations_tenant_access ON integrations;
CREATE POLICY integrations_tenant_access ON integrations FOR ALL TO tenancy_app
  USING (tenant_id = (SELECT app.current_tenant_id()))
  WITH CHECK (tenant_id = (SELECT app.current_tenant_id()));
DROP POLICY IF EXISTS integrations_platform_access ON integrations;
CREATE POLICY integrations_platform_access ON integrations FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON integrations FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON integrations TO tenancy_app, tenancy_platform;
