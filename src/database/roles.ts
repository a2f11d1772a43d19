import pg from 'pg';

/** Fixed names of the runtime roles; migrations grant to them by name. */
export const TENANT_ROLE = 'tenancy_app';
export const PLATFORM_ROLE = 'tenancy_platform';

/**
 * Creates or updates a login role that can never bypass row-level security. Run with a
 * connection that may create roles (the embedded superuser or DATABASE_URL with CREATEROLE).
 */
export async function ensureRuntimeRole(client: pg.Client, name: string, password?: string) {
  const ident = client.escapeIdentifier(name);
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (exists.rowCount === 0) {
    await client.query(
      `CREATE ROLE ${ident} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`,
    );
  }
  // DDL takes no bind parameters; the password is quoted by the driver, never logged.
  const login = password ? ` LOGIN PASSWORD ${client.escapeLiteral(password)}` : '';
  await client.query(
    `ALTER ROLE ${ident}${login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`,
  );
  // A request that dies holding a transaction cannot pin a connection or its locks for long.
  await client.query(`ALTER ROLE ${ident} SET idle_in_transaction_session_timeout = '60s'`);
}

/** Connection string for `role` on the same server and database as `base`. */
export function deriveUrl(base: string, role: string, password: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}
