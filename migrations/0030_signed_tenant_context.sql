-- A tenant context that injected SQL cannot switch (docs/isolation.md, "Signed tenant context").
--
-- Until now app.current_tenant_id() trusted whatever app.current_tenant_id held, and any SQL
-- running as a runtime role can call set_config itself: with another tenant's id (which
-- app.resolve_tenant hands out) it became that tenant. The service now sets a signed value,
-- `<subject>.<expiry epoch ms>.<key id>.<hex HMAC-SHA256>`, and the two context functions verify
-- the MAC and the expiry (against the transaction's now()) before they answer; a bare, forged
-- or expired value is no tenant and no platform scope, so every policy fails closed.
--
-- Plain SQL: HMAC-SHA256 is built from the built-in sha256(bytea) (pgcrypto is not on every
-- managed Postgres without privileges). The keys are kept as key XOR ipad and key XOR opad, so
-- HMAC = sha256(k_opad || sha256(k_ipad || message)) with no byte loop at query time.

-- Owned by the owner (the migration role). No runtime role has any privilege on it, RLS is on
-- with no policy at all (belt and braces should a grant slip in), and only the two SECURITY
-- DEFINER functions below read it.
CREATE TABLE IF NOT EXISTS app.tenant_context_keys (
  kid        text PRIMARY KEY CHECK (kid ~ '^[0-9a-f]{16}$'),
  k_ipad     bytea NOT NULL CHECK (length(k_ipad) = 64),
  k_opad     bytea NOT NULL CHECK (length(k_opad) = 64),
  -- the key the service signs with; the others (at most one, the key it replaced at the last
  -- rotation) are still accepted
  current    boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
CREATE UNIQUE INDEX IF NOT EXISTS tenant_context_keys_one_current ON app.tenant_context_keys (current) WHERE current;
ALTER TABLE app.tenant_context_keys ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON app.tenant_context_keys FROM PUBLIC, tenancy_app, tenancy_platform;

-- The subject of a valid value for `p_purpose` ('tenant' or 'platform'), or NULL. The purpose
-- label is part of the MAC input, so a tenant value never passes as the platform scope. Runtime
-- roles may call it (the context functions run as them); it answers only whether a value is
-- valid, never anything of the key.
CREATE OR REPLACE FUNCTION app.verified_context(p_value text, p_purpose text) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT v.m[1]
      FROM (SELECT regexp_match(p_value, '^([0-9a-f-]{36}|platform)\.([0-9]{1,15})\.([0-9a-f]{16})\.([0-9a-f]{64})$') AS m) v
      JOIN app.tenant_context_keys k ON k.kid = v.m[3]
     WHERE v.m[2]::bigint >= (extract(epoch FROM now()) * 1000)::bigint
       AND sha256(k.k_opad || sha256(k.k_ipad || convert_to(p_purpose || '|' || v.m[1] || '.' || v.m[2] || '.' || v.m[3], 'UTF8')))
           = decode(v.m[4], 'hex')
  $$;
REVOKE EXECUTE ON FUNCTION app.verified_context(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.verified_context(text, text) TO tenancy_app, tenancy_platform;

-- The current key, for the service at start (src/database/tenant-context.ts). The owner only:
-- EXECUTE is revoked from PUBLIC and granted to nobody.
CREATE OR REPLACE FUNCTION app.tenant_context_signing_key() RETURNS TABLE (kid text, k_ipad bytea, k_opad bytea)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$ SELECT k.kid, k.k_ipad, k.k_opad FROM app.tenant_context_keys k WHERE k.current $$;
REVOKE EXECUTE ON FUNCTION app.tenant_context_signing_key() FROM PUBLIC, tenancy_app, tenancy_platform;

-- The same two functions every policy already calls, as `(SELECT …)`, so the verification runs
-- once per statement. Still no search_path clause (names are schema-qualified, 0023).
CREATE OR REPLACE FUNCTION app.current_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT app.verified_context(pg_catalog.current_setting('app.current_tenant_id', true), 'tenant')::pg_catalog.uuid $$;
CREATE OR REPLACE FUNCTION app.is_platform() RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT coalesce(app.verified_context(pg_catalog.current_setting('app.scope', true), 'platform') OPERATOR(pg_catalog.=) 'platform', false) $$;

-- Enumeration: resolution never answers for a deleted tenant (the service treats one as
-- unknown anyway; sharing filtered them itself). Knowing an id no longer grants anything, but
-- the registry need not confirm what is gone.
CREATE OR REPLACE FUNCTION app.resolve_tenant(p_key text)
  RETURNS TABLE (id uuid, subdomain text, status text, type text, tier text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, pg_temp
  AS $$
    SELECT t.id, t.subdomain, t.status, t.type, t.tier
      FROM public.tenants t
     WHERE t.status <> 'deleted'
       AND CASE
             WHEN p_key ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
               THEN t.id = p_key::uuid
             ELSE t.subdomain = lower(p_key)
           END
  $$;
