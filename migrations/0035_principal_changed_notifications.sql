-- Every change that can revoke an access token is announced to every instance: a user's or a
-- platform admin's role or status changing, or the row going (a delete, a tenant's purge by
-- cascade). Each instance keeps the pipeline's principal check in a cache
-- (src/modules/auth/principal-cache.ts) and drops the entry on `principal_changed`, so a token
-- of a disabled user stops working on every instance, not at the end of a cache TTL.
--
-- A trigger rather than the service's code: the notification is sent whoever changes the row
-- (the API, `npm run db:psql`, a migration, the purge's cascade), in the same transaction, and
-- delivered at COMMIT, never for a rollback. The payload is the row's id (users and platform
-- admins have distinct uuids). Schema-qualified, no search_path clause (0023).
CREATE OR REPLACE FUNCTION app.notify_principal_changed() RETURNS trigger
  LANGUAGE plpgsql
  AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('principal_changed', OLD.id::text);
  RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION app.notify_principal_changed() FROM PUBLIC;

DROP TRIGGER IF EXISTS users_principal_changed ON users;
CREATE TRIGGER users_principal_changed
  AFTER UPDATE OF role, status OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION app.notify_principal_changed();

DROP TRIGGER IF EXISTS platform_admins_principal_changed ON platform_admins;
CREATE TRIGGER platform_admins_principal_changed
  AFTER UPDATE OF role, status OR DELETE ON platform_admins
  FOR EACH ROW EXECUTE FUNCTION app.notify_principal_changed();
