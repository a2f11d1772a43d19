-- Disabling a user or suspending/deleting a tenant revokes its refresh tokens in the same
-- transaction as the change, whatever code path (API, psql, a job) makes it. Deleting a user
-- already removes its tokens (ON DELETE CASCADE). Live access tokens are refused per request
-- (the auth interceptor re-reads the user; the tenant resolver refuses a suspended tenant).
-- SECURITY INVOKER: the trigger runs under the caller's RLS, so it can only touch the rows the
-- caller may touch (the user's own tenant, or any tenant in platform scope).

CREATE OR REPLACE FUNCTION app.revoke_user_refresh_tokens() RETURNS trigger
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE public.refresh_tokens SET revoked_at = now()
   WHERE tenant_id = NEW.tenant_id AND user_id = NEW.id AND revoked_at IS NULL;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION app.revoke_user_refresh_tokens() FROM PUBLIC;

DROP TRIGGER IF EXISTS users_revoke_refresh_tokens ON users;
CREATE TRIGGER users_revoke_refresh_tokens
  AFTER UPDATE OF status ON users
  FOR EACH ROW
  WHEN (NEW.status <> 'active' AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION app.revoke_user_refresh_tokens();

CREATE OR REPLACE FUNCTION app.revoke_tenant_refresh_tokens() RETURNS trigger
  LANGUAGE plpgsql SECURITY INVOKER SET search_path = pg_catalog, public AS $$
BEGIN
  UPDATE public.refresh_tokens SET revoked_at = now()
   WHERE tenant_id = NEW.id AND revoked_at IS NULL;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION app.revoke_tenant_refresh_tokens() FROM PUBLIC;

DROP TRIGGER IF EXISTS tenants_revoke_refresh_tokens ON tenants;
CREATE TRIGGER tenants_revoke_refresh_tokens
  AFTER UPDATE OF status ON tenants
  FOR EACH ROW
  WHEN (NEW.status IN ('suspended', 'deleted') AND OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION app.revoke_tenant_refresh_tokens();
