#!/usr/bin/env node
// `npm run make:tenant-table -- <table> --module <module> [--out <dir>]`
//
// Writes what a new tenant table needs, in the shape the catalog lints (test/rls/catalog-lints.ts)
// check: the next-numbered migration (tenant_id leading the primary key, RLS enabled and forced,
// a RESTRICTIVE tenant policy plus one policy per command with WITH CHECK on writes, grants to
// the runtime roles), the entity and a repository skeleton; it adds the entity to
// src/database/entities.ts and the table's owner to test/architecture/ownership.ts, and prints
// what is left to do by hand. docs/architecture.md walks through it. --out is the repository
// root to write into (default: this repository; the tests give a scratch copy).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `usage: npm run make:tenant-table -- <table> --module <module> [--out <dir>]
  <table>   snake_case plural, e.g. widgets or widget_parts (at most 40 characters)
  --module  the module that owns the table: one of src/modules/*`;

function fail(message) {
  console.error(`make:tenant-table: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    options: { module: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
} catch (err) {
  fail(err.message);
}
if (parsed.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const [table, ...extra] = parsed.positionals;
const moduleName = parsed.values.module;
const root = parsed.values.out ?? join(import.meta.dirname, '..');

if (!table) fail('give the table name');
if (extra.length) fail(`one table at a time (also got ${extra.join(' ')})`);
// Plural snake_case; 40 characters leave room for the longest policy name (…_tenant_isolation)
// within Postgres's 63.
if (!/^[a-z][a-z0-9]*(_[a-z0-9]+)*s$/.test(table) || table.length > 40) {
  fail(`"${table}" is not a snake_case plural table name of at most 40 characters`);
}
if (['tenants', 'schema_migrations'].includes(table) || table.startsWith('pg_')) fail(`"${table}" is reserved`);
if (!moduleName) fail('give the owning module with --module');
const modulesDir = join(root, 'src', 'modules');
const modules = existsSync(modulesDir)
  ? readdirSync(modulesDir).filter((m) => existsSync(join(modulesDir, m, `${m}.module.ts`)))
  : [];
if (!modules.includes(moduleName)) fail(`unknown module "${moduleName}" (known: ${modules.join(', ') || 'none'})`);

// --- names ---
const singularOf = (word) =>
  word.endsWith('ies') ? `${word.slice(0, -3)}y`
  : /(ss|x|ch|sh)es$/.test(word) ? word.slice(0, -2)
  : word.slice(0, -1);
const words = table.split('_');
const singularWords = [...words.slice(0, -1), singularOf(words[words.length - 1])];
const pascal = (ws) => ws.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const entityClass = `${pascal(singularWords)}Entity`;
const repositoryClass = `${pascal(words)}Repository`;
const entityFile = join(root, 'src', 'modules', moduleName, 'entities', `${singularWords.join('-')}.entity.ts`);
const repositoryFile = join(root, 'src', 'modules', moduleName, `${words.join('-')}.repository.ts`);

// --- refuse an existing name ---
const migrationsDir = join(root, 'migrations');
if (!existsSync(migrationsDir)) fail(`no migrations/ under ${root}`);
const migrationFiles = readdirSync(migrationsDir).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
for (const f of migrationFiles) {
  const sql = readFileSync(join(migrationsDir, f), 'utf8');
  if (new RegExp(String.raw`\bCREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(public\.)?"?${table}"?[\s(]`, 'i').test(sql)) {
    fail(`table ${table} already exists (${f})`);
  }
}
for (const f of [entityFile, repositoryFile]) if (existsSync(f)) fail(`${relative(root, f)} already exists`);

const last = migrationFiles.length ? Number(migrationFiles[migrationFiles.length - 1].slice(0, 4)) : 0;
const migrationName = `${String(last + 1).padStart(4, '0')}_${table}.sql`;
const migrationFile = join(migrationsDir, migrationName);

// --- the migration: the policies as the tenant tables of 0004/0010 write them ---
const TENANT = '(tenant_id = (SELECT app.current_tenant_id()))';
const migration = `-- ${table}: a tenant table of the ${moduleName} module (written by npm run make:tenant-table).
-- Say here what one row is. Add columns above created_at; a unique key or a foreign key to
-- another tenant table must lead with tenant_id (catalog lint 6).
CREATE TABLE IF NOT EXISTS ${table} (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ${table}_pkey PRIMARY KEY (tenant_id, id)
);
ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE ${table} FORCE ROW LEVEL SECURITY;
-- The restrictive policy keeps every tenant-role statement to the current tenant, whatever
-- permissive policy is added later; the permissive ones say which commands the tenant may run.
DROP POLICY IF EXISTS ${table}_tenant_isolation ON ${table};
CREATE POLICY ${table}_tenant_isolation ON ${table} AS RESTRICTIVE FOR ALL TO tenancy_app
  USING ${TENANT}
  WITH CHECK ${TENANT};
DROP POLICY IF EXISTS ${table}_tenant_read ON ${table};
CREATE POLICY ${table}_tenant_read ON ${table} FOR SELECT TO tenancy_app
  USING ${TENANT};
DROP POLICY IF EXISTS ${table}_tenant_insert ON ${table};
CREATE POLICY ${table}_tenant_insert ON ${table} FOR INSERT TO tenancy_app
  WITH CHECK ${TENANT};
DROP POLICY IF EXISTS ${table}_tenant_update ON ${table};
CREATE POLICY ${table}_tenant_update ON ${table} FOR UPDATE TO tenancy_app
  USING ${TENANT}
  WITH CHECK ${TENANT};
DROP POLICY IF EXISTS ${table}_tenant_delete ON ${table};
CREATE POLICY ${table}_tenant_delete ON ${table} FOR DELETE TO tenancy_app
  USING ${TENANT};
-- The platform role in platform scope (the purge, admin reads).
DROP POLICY IF EXISTS ${table}_platform_access ON ${table};
CREATE POLICY ${table}_platform_access ON ${table} FOR ALL TO tenancy_platform
  USING ((SELECT app.is_platform()))
  WITH CHECK ((SELECT app.is_platform()));
REVOKE ALL ON ${table} FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tenancy_app, tenancy_platform;
`;

const entity = `import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of \`${table}\` (${migrationName}). */
@Entity({ name: '${table}' })
export class ${entityClass} {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'id', type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
`;

const repository = `import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';
import { ${entityClass} } from './entities/${singularWords.join('-')}.entity.js';

/**
 * Table ${table}, owned by the ${moduleName} module: only this repository writes it; other modules
 * go through the module's service. Every method runs in the request's tenant transaction, so
 * RLS keeps it to the current tenant.
 */
@Injectable()
export class ${repositoryClass} {
  async list(): Promise<${entityClass}[]> {
    const em = await requestContext.tenantManager();
    return em.getRepository(${entityClass}).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async find(id: string): Promise<${entityClass} | null> {
    const em = await requestContext.tenantManager();
    return em.getRepository(${entityClass}).findOneBy({ id });
  }

  /** Inserts into the current tenant: tenant_id comes from the context, never from a client. */
  async insert(): Promise<${entityClass}> {
    const em = await requestContext.tenantManager();
    const result = await em.createQueryBuilder().insert().into(${entityClass})
      .values({ tenantId: () => 'app.current_tenant_id()' })
      .returning(['id'])
      .updateEntity(false)
      .execute();
    return (await this.find((result.raw as Array<{ id: string }>)[0].id))!;
  }

  async delete(id: string): Promise<boolean> {
    const em = await requestContext.tenantManager();
    return ((await em.getRepository(${entityClass}).delete({ id })).affected ?? 0) > 0;
  }
}
`;

writeFileSync(migrationFile, migration, { flag: 'wx' });
mkdirSync(dirname(entityFile), { recursive: true });
writeFileSync(entityFile, entity, { flag: 'wx' });
writeFileSync(repositoryFile, repository, { flag: 'wx' });
const wrote = [migrationFile, entityFile, repositoryFile];
const todo = [];

// ENTITIES (src/database/entities.ts): the import, and the class in its module's group.
const entitiesFile = join(root, 'src', 'database', 'entities.ts');
const importLine = `import { ${entityClass} } from '../modules/${moduleName}/entities/${singularWords.join('-')}.entity.js';`;
const edited = existsSync(entitiesFile) && addEntity(readFileSync(entitiesFile, 'utf8'));
if (edited) {
  writeFileSync(entitiesFile, edited);
  wrote.push(entitiesFile);
} else {
  todo.push(`src/database/entities.ts: ${importLine}  and  ${entityClass} in ENTITIES`);
}

function addEntity(source) {
  const imports = [...source.matchAll(/^import .*;$/gm)];
  const list = source.indexOf('export const ENTITIES = [');
  if (!imports.length || list < 0) return undefined;
  const afterImports = imports[imports.length - 1].index + imports[imports.length - 1][0].length;
  let out = `${source.slice(0, afterImports)}\n${importLine}${source.slice(afterImports)}`;
  const start = out.indexOf('export const ENTITIES = [');
  const end = out.indexOf('\n];', start);
  if (end < 0) return undefined;
  const group = out.indexOf(`\n  // ${moduleName}\n`, start);
  let at = end; // by default the end of the list
  if (group >= 0 && group < end) {
    const next = out.slice(group + 1).search(/\n {2}\/\/ |\n\];/);
    at = group + 1 + next;
  }
  return `${out.slice(0, at)}\n  ${entityClass},${out.slice(at)}`;
}

// The owner in the ownership test's one table (test/architecture/ownership.ts).
const ownershipFile = join(root, 'test', 'architecture', 'ownership.ts');
const ownerLine = `  ${table}: '${moduleName}',`;
const ownership = existsSync(ownershipFile) ? readFileSync(ownershipFile, 'utf8') : '';
if (ownership.includes("\n  schema_migrations: 'database',")) {
  writeFileSync(ownershipFile, ownership.replace("\n  schema_migrations: 'database',", `\n${ownerLine}\n  schema_migrations: 'database',`));
  wrote.push(ownershipFile);
} else {
  todo.push(`test/architecture/ownership.ts TABLE_OWNERS: ${ownerLine.trim()}`);
}

todo.push(`src/modules/${moduleName}/${moduleName}.module.ts: ${repositoryClass} in providers (import from './${words.join('-')}.repository.js')`);
todo.push(`docs/architecture.md, the table → owner table: | \`${table}\` | ${moduleName} |`);
todo.push('columns: add them to the migration and the entity together (test/architecture/entities-catalog.spec.ts compares them)');

console.log('wrote:');
for (const f of wrote) console.log(`  ${relative(root, f)}`);
console.log('to do by hand:');
for (const t of todo) console.log(`  ${t}`);
