import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Default names of the runtime roles. The migrations are written with these names; the migrator
 * substitutes the configured ones (DATABASE_APP_ROLE / DATABASE_PLATFORM_ROLE, see
 * migrator.ts), so one server can hold several databases with their own runtime roles.
 */
export const TENANT_ROLE = 'tenancy_app';
export const PLATFORM_ROLE = 'tenancy_platform';

export class RoleSetupError extends Error {}

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function assertRoleName(name: string): string {
  if (!ROLE_NAME.test(name)) {
    throw new RoleSetupError(`invalid role name "${name}": use lower-case letters, digits and _ (at most 63)`);
  }
  return name;
}

/**
 * The SCRAM-SHA-256 verifier Postgres stores for `password` (RFC 5802 / 7677, as
 * `ALTER ROLE … PASSWORD 'SCRAM-SHA-256$…'` accepts it): the clear password never reaches the
 * server, so it cannot appear in its log or in pg_stat_activity. The passwords set here are
 * generated ASCII, for which SASLprep is the identity.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  if (!/^[\x20-\x7e]*$/.test(password)) {
    throw new RoleSetupError('only printable ASCII passwords are turned into SCRAM verifiers here');
  }
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return (
    `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}` +
    `$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
  );
}

/** `PASSWORD '<verifier>'`: a DDL clause that carries no clear password. */
export function passwordClause(client: pg.Client, password: string): string {
  return `PASSWORD ${client.escapeLiteral(scramVerifier(password))}`;
}

interface RoleRow {
  rolsuper: boolean;
  rolbypassrls: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolreplication: boolean;
  rolcanlogin: boolean;
}

/** What the connected role may do about roles (superuser or CREATEROLE). */
async function canManageRoles(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    'SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user',
  );
  return rows[0]?.ok === true;
}

async function canLogIn(url: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: url, application_name: 'tenancy-setup', connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    await probe.end();
    return true;
  } catch {
    await probe.end().catch(() => undefined);
    return false;
  }
}

/** The SQL a DBA runs to create the runtime role `name` (README "Deploying on managed Postgres"). */
export function dbaCreateRoleSql(name: string): string {
  return (
    `CREATE ROLE ${name} LOGIN PASSWORD '…' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION; ` +
    `ALTER ROLE ${name} SET idle_in_transaction_session_timeout = '60s';`
  );
}

/**
 * Makes sure the runtime role `name` exists and can never bypass row-level security, without
 * running DDL that is not needed:
 * - missing: created with safe attributes (needs CREATEROLE or superuser), LOGIN with a SCRAM
 *   verifier when `password` is given, NOLOGIN (a group for APP_DATABASE_URL's role) otherwise;
 * - present: its attributes are only read; a superuser, BYPASSRLS, CREATEROLE, CREATEDB or
 *   REPLICATION role is refused with the statement that fixes it (only a superuser may change
 *   those, which a managed Postgres's owner is not). Its password is set (as a verifier) only
 *   when `password` is given and logging in with it (`loginUrl`) fails.
 * With no `password` (the operator gave the runtime URL) nothing is altered at all.
 */
export async function ensureRuntimeRole(
  client: pg.Client,
  name: string,
  password?: string,
  loginUrl?: string,
): Promise<'created' | 'password-set' | 'unchanged'> {
  assertRoleName(name);
  const ident = client.escapeIdentifier(name);
  const { rows } = await client.query<RoleRow>(
    `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin
       FROM pg_roles WHERE rolname = $1`,
    [name],
  );
  const role = rows[0];
  if (!role) {
    if (!(await canManageRoles(client))) {
      throw new RoleSetupError(
        `The runtime role "${name}" does not exist and the DATABASE_URL role cannot create roles ` +
          `(it has no CREATEROLE). Either grant it CREATEROLE, or have a DBA create the roles and ` +
          `give APP_DATABASE_URL / PLATFORM_DATABASE_URL: ${dbaCreateRoleSql(name)}`,
      );
    }
    const login = password ? `LOGIN ${passwordClause(client, password)}` : 'NOLOGIN';
    await client.query(
      `CREATE ROLE ${ident} ${login} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION`,
    );
    // A request that dies holding a transaction cannot pin a connection or its locks for long.
    await client.query(`ALTER ROLE ${ident} SET idle_in_transaction_session_timeout = '60s'`);
    return 'created';
  }

  const unsafe = [
    role.rolsuper && 'SUPERUSER',
    role.rolbypassrls && 'BYPASSRLS',
    role.rolcreaterole && 'CREATEROLE',
    role.rolcreatedb && 'CREATEDB',
    role.rolreplication && 'REPLICATION',
  ].filter((a): a is string => !!a);
  if (unsafe.length > 0) {
    throw new RoleSetupError(
      `Refusing to start: the runtime role "${name}" has ${unsafe.join(', ')}, so it could bypass ` +
        `tenant isolation. This service does not change those attributes itself. To fix, run as a ` +
        `superuser (or your provider's admin role): ALTER ROLE ${ident} ${unsafe.map((a) => `NO${a}`).join(' ')};`,
    );
  }
  if (!password) return 'unchanged';
  if (role.rolcanlogin && loginUrl && (await canLogIn(loginUrl))) return 'unchanged';
  try {
    await client.query(`ALTER ROLE ${ident} LOGIN ${passwordClause(client, password)}`);
    await client.query(`ALTER ROLE ${ident} SET idle_in_transaction_session_timeout = '60s'`);
  } catch (err) {
    throw new RoleSetupError(
      `The runtime role "${name}" exists but its password could not be set by the DATABASE_URL role ` +
        `(${(err as Error).message}). On Postgres 16+ a CREATEROLE role may only alter roles it ` +
        `created or holds ADMIN OPTION on. Either give APP_DATABASE_URL / PLATFORM_DATABASE_URL ` +
        `for existing login roles, or run as a superuser: GRANT ${ident} TO <owner> WITH ADMIN OPTION;`,
    );
  }
  return 'password-set';
}

/** Connection string for `role` on the same server and database as `base`. */
export function deriveUrl(base: string, role: string, password: string): string {
  const url = new URL(base);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  return url.toString();
}
