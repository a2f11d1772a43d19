import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

/**
 * The migrations are written for the default runtime role names (tenancy_app, tenancy_platform);
 * a database set up for other names (DATABASE_APP_ROLE / DATABASE_PLATFORM_ROLE, or a test run's
 * own roles) gets the same SQL with those identifiers replaced. The checksum stays the file's, so
 * a landed migration reads as unchanged whatever the names. Names are plain lower-case
 * identifiers (checked), so the replacement needs no quoting.
 */
export function withRoleNames(sql: string, roles: { tenant: string; platform: string }): string {
  return sql
    .replace(/\btenancy_app\b/g, roles.tenant)
    .replace(/\btenancy_platform\b/g, roles.platform);
}

export function readMigrations(dir: string): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name), 'utf8');
      return {
        version: name.slice(0, 4),
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Applies plain-SQL migrations in order, each in its own transaction, recording a checksum.
 * A landed file whose checksum changed is refused; applying twice is a no-op. An advisory lock
 * keeps two instances starting at once from racing.
 */
export async function migrate(
  client: pg.Client,
  dir: string,
  log: (line: string) => void = () => {},
  roles?: { tenant: string; platform: string },
): Promise<string[]> {
  const names = roles ?? { tenant: 'tenancy_app', platform: 'tenancy_platform' };
  for (const n of [names.tenant, names.platform]) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(n)) throw new MigrationError(`invalid runtime role name "${n}"`);
  }
  const files = readMigrations(dir);
  await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  await client.query("SELECT pg_advisory_lock(hashtext('tenancy.migrations'))");
  const applied: string[] = [];
  try {
    const { rows } = await client.query<{ version: string; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r]));
    for (const file of files) {
      const prior = done.get(file.version);
      if (prior) {
        if (prior.checksum !== file.checksum || prior.name !== file.name) {
          throw new MigrationError(
            `migration ${file.name} was changed after it was applied ` +
              `(recorded ${prior.name} sha256 ${prior.checksum.slice(0, 12)}…, ` +
              `file has ${file.checksum.slice(0, 12)}…). Landed migrations are never edited: ` +
              `restore the file and add a new numbered migration instead.`,
          );
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(withRoleNames(file.sql, names));
        await client.query(
          'INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)',
          [file.version, file.name, file.checksum],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new MigrationError(`migration ${file.name} failed: ${(err as Error).message}`);
      }
      applied.push(file.name);
      log(`applied migration ${file.name}`);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext('tenancy.migrations'))");
  }
  return applied;
}
