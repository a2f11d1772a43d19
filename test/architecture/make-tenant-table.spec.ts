import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, withRoleNames } from '../../src/database/migrator.js';
import { asTenant, platformCommit } from '../helpers/db.js';
import { testEndpoints, testRoles } from '../helpers/env.js';
import { createTenant } from '../helpers/factories.js';
import { ALL_LINTS, lintRestrictiveIsolation, lintRowLevelSecurity, tenantTables } from '../rls/catalog-lints.js';
import { checkSources, migrationTables, readSources } from './source-analysis.js';

// `npm run make:tenant-table` into a scratch copy of the repository; its migration is applied
// by the real migrator on this file's own database, and the catalog lints run on the result.

const ROOT = process.cwd();
const R = testRoles();
let out: string;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/make-tenant-table.mjs'), ...args, '--out', out], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function asOwner<T>(fn: (sql: pg.Client) => Promise<T>): Promise<T> {
  const sql = new pg.Client({ connectionString: testEndpoints().ownerUrl });
  await sql.connect();
  try {
    return await fn(sql);
  } finally {
    await sql.end();
  }
}

const lastMigration = () => readdirSync(join(ROOT, 'migrations')).filter((f) => /^\d{4}_/.test(f)).sort().pop()!;
const next = String(Number(lastMigration().slice(0, 4)) + 1).padStart(4, '0');

let first: ReturnType<typeof run>;
let migration: string;

// One generation for the whole file, into a scratch copy; the tests below read what it wrote.
beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'make-tenant-table-'));
  cpSync(join(ROOT, 'migrations'), join(out, 'migrations'), { recursive: true });
  cpSync(join(ROOT, 'src'), join(out, 'src'), { recursive: true });
  cpSync(join(ROOT, 'test/architecture/ownership.ts'), join(out, 'test/architecture/ownership.ts'));
  first = run('widget_boxes', '--module', 'sharing');
  migration = readFileSync(join(out, 'migrations', `${next}_widget_boxes.sql`), 'utf8');
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('npm run make:tenant-table', () => {
  it('writes the next migration, the entity and the repository, and lists the entity and owner', () => {
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`migrations/${next}_widget_boxes.sql`);
    expect(migration).toContain('tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE');
    expect(migration).toContain('CONSTRAINT widget_boxes_pkey PRIMARY KEY (tenant_id, id)');

    const entity = readFileSync(join(out, 'src/modules/sharing/entities/widget-box.entity.ts'), 'utf8');
    expect(entity).toContain("@Entity({ name: 'widget_boxes' })");
    expect(entity).toContain('export class WidgetBoxEntity');
    for (const col of ['tenant_id', 'id', 'created_at']) expect(entity).toContain(`name: '${col}'`);
    expect(entity).toMatch(/@PrimaryColumn\(\{ name: 'tenant_id'/);

    const repository = readFileSync(join(out, 'src/modules/sharing/widget-boxes.repository.ts'), 'utf8');
    expect(repository).toContain('export class WidgetBoxesRepository');
    expect(repository).toContain('await requestContext.tenantManager()');
    expect(repository).toContain('em.getRepository(WidgetBoxEntity)');
    expect(repository).toContain("from './entities/widget-box.entity.js'");

    const entities = readFileSync(join(out, 'src/database/entities.ts'), 'utf8');
    expect(entities).toContain("import { WidgetBoxEntity } from '../modules/sharing/entities/widget-box.entity.js';");
    expect(entities).toMatch(/\/\/ sharing\n(\s+\w+Entity,\n)*\s+WidgetBoxEntity,\n/);
    expect(readFileSync(join(out, 'test/architecture/ownership.ts'), 'utf8')).toContain("  widget_boxes: 'sharing',");
  });

  it('leaves a table without an owner to fail the ownership test until its owner is listed', () => {
    // this run's ownership.ts is the repository's (without widget_boxes), so the new files are flagged
    expect(migrationTables(join(out, 'migrations'))).toContain('widget_boxes');
    expect(checkSources(readSources(join(out, 'src')))).toEqual([
      'modules/sharing/entities/widget-box.entity.ts: entity WidgetBoxEntity maps widget_boxes, a table with no owner',
      'modules/sharing/widget-boxes.repository.ts: writes widget_boxes (TypeORM), a table with no owner in TABLE_OWNERS',
    ]);
  });

  it('refuses an existing table, a bad name, an unknown or missing module', () => {
    const again = run('widget_boxes', '--module', 'sharing');
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`table widget_boxes already exists (${next}_widget_boxes.sql)`);
    expect(run('integrations', '--module', 'registry').stderr).toContain('table integrations already exists (0010_registry.sql)');
    for (const bad of ['Widgets', 'widget', 'widget-parts', '_widgets', 'tenants', `${'w'.repeat(40)}s`]) {
      const r = run(bad, '--module', 'sharing');
      expect({ bad, status: r.status }).toEqual({ bad, status: 2 });
    }
    expect(run('gadgets', '--module', 'nope').stderr).toContain('unknown module "nope"');
    expect(run('gadgets').stderr).toContain('give the owning module with --module');
    expect(readdirSync(join(out, 'migrations')).filter((f) => f.startsWith(next))).toEqual([`${next}_widget_boxes.sql`]);
  });

  it('a variant without FORCE or without the restrictive policy fails the lints', async () => {
    const noForce = migration.replace(/^ALTER TABLE widget_boxes FORCE ROW LEVEL SECURITY;\n/m, '');
    const noRestrictive = migration.replace(/AS RESTRICTIVE /, '');
    expect(noForce).not.toBe(migration);
    expect(noRestrictive).not.toBe(migration);
    await asOwner(async (sql) => {
      for (const [variant, lint, expected] of [
        [noForce, lintRowLevelSecurity, 'widget_boxes: RLS not forced'],
        [noRestrictive, lintRestrictiveIsolation, 'widget_boxes: no RESTRICTIVE tenant_id = current tenant policy covers SELECT'],
      ] as const) {
        await sql.query('BEGIN');
        try {
          await sql.query(withRoleNames(variant, R));
          expect(await lint(sql)).toContain(expected);
        } finally {
          await sql.query('ROLLBACK');
        }
      }
    });
  });

});

describe('the generated migration, applied by the migrator on this file\'s database', () => {
  let applied: string[];
  beforeAll(async () => {
    applied = await asOwner((sql) => migrate(sql, join(out, 'migrations'), () => {}, R));
  });

  it('is the one migration this database lacked', () => {
    expect(applied).toEqual([`${next}_widget_boxes.sql`]);
  });

  it('passes the catalog lints unchanged, with the new table among those linted', async () => {
    await asOwner(async (sql) => {
      expect(await tenantTables(sql)).toEqual(expect.arrayContaining(['widget_boxes', 'users', 'integrations']));
      for (const [name, lint] of Object.entries(ALL_LINTS)) {
        expect({ name, violations: await lint(sql) }).toEqual({ name, violations: [] });
      }
    });
  });

  it('keeps each tenant to its own rows in the new table', async () => {
    const a = await createTenant();
    const b = await createTenant();
    await platformCommit((sql) => sql.query('INSERT INTO widget_boxes (tenant_id) VALUES ($1), ($2)', [a.id, b.id]));
    const seen = await asTenant(a.id, async (sql) => (await sql.query('SELECT tenant_id FROM widget_boxes')).rows);
    expect(seen).toEqual([{ tenant_id: a.id }]);
    await asTenant(a.id, async (sql) => {
      await expect(sql.query('INSERT INTO widget_boxes (tenant_id) VALUES ($1)', [b.id])).rejects.toThrow(/row-level security/);
    });
    const none = await asTenant(null, async (sql) => (await sql.query('SELECT count(*)::int AS n FROM widget_boxes')).rows[0].n);
    expect(none).toBe(0);
  });
});
