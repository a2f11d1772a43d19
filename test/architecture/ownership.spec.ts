import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODULE_IMPORTS, MODULES, TABLE_OWNERS, type ModuleName } from './ownership.js';
import {
  checkSources,
  importsOf,
  migrationTables,
  readSources,
  repoRoot,
  scan,
  sqlWrites,
  typeormWrites,
} from './source-analysis.js';

// Plain source text, no database: the imports and table writes of src/ against ownership.ts.

const ROOT = repoRoot();
const real = readSources(join(ROOT, 'src'));

/** The real tree with `extra` files added (or replacing a file of the same path). */
function withFiles(extra: Record<string, string>): string[] {
  const files = new Map(real);
  for (const [f, s] of Object.entries(extra)) files.set(f, s);
  const all = checkSources(files);
  return all.filter((v) => Object.keys(extra).some((f) => v.startsWith(`${f}:`)));
}

describe('ownership of tables and imports on src/', () => {
  it('finds no violation in the real tree', () => {
    expect(checkSources(real)).toEqual([]);
  });

  it('reads every module and area (the scan is not vacuous)', () => {
    const files = [...real.keys()];
    for (const m of MODULES) expect(files.some((f) => f.startsWith(`modules/${m}/`))).toBe(true);
    expect(files).toEqual(expect.arrayContaining(['database/entities.ts', 'pipeline/request-pipeline.interceptor.ts']));
    // and it sees writes where there are some: each owner's repository writes its tables
    const entities = new Map([['TenantEntity', 'tenants'], ['IntegrationEntity', 'integrations']]);
    expect(typeormWrites(scan(real.get('modules/tenant/tenant.repository.ts')!).code, entities)).toContain('tenants');
    expect(typeormWrites(scan(real.get('modules/registry/integrations.repository.ts')!).code, entities)).toContain('integrations');
  });

  it('gives every table the migrations create an owner, and names no table that does not exist', () => {
    const created = migrationTables(join(ROOT, 'migrations'));
    expect(created.length).toBeGreaterThanOrEqual(11);
    expect(created.filter((t) => !(t in TABLE_OWNERS))).toEqual([]);
    expect(Object.keys(TABLE_OWNERS).filter((t) => !created.includes(t) && t !== 'schema_migrations')).toEqual([]);
  });

  it('keeps the module imports a DAG', () => {
    const visiting = new Set<ModuleName>();
    const done = new Set<ModuleName>();
    const visit = (m: ModuleName, path: ModuleName[]) => {
      if (done.has(m)) return;
      if (visiting.has(m)) throw new Error(`import cycle: ${[...path, m].join(' → ')}`);
      visiting.add(m);
      for (const d of MODULE_IMPORTS[m]) visit(d, [...path, m]);
      visiting.delete(m);
      done.add(m);
    };
    for (const m of MODULES) visit(m, []);
    expect(done.size).toBe(MODULES.length);
  });

  it('is mirrored in docs/architecture.md (table → owner, module → imports)', () => {
    const doc = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
    for (const [table, owner] of Object.entries(TABLE_OWNERS)) {
      const owners = owner === 'database' ? 'src/database' : owner;
      expect(doc).toMatch(new RegExp(String.raw`\|\s*\`${table}\`\s*\|\s*${owners.replace('/', '\\/')}\s*\|`));
    }
    for (const [m, deps] of Object.entries(MODULE_IMPORTS)) {
      const listed = deps.length ? deps.join(', ') : 'none';
      expect(doc).toMatch(new RegExp(String.raw`\|\s*${m}\s*\|\s*${listed}\s*\|`));
    }
  });
});

describe('the ownership check fails on a breach (synthetic sources)', () => {
  it('flags SQL that writes another module\'s table', () => {
    const v = withFiles({
      'modules/registry/fake.repository.ts': `
        export class Fake {
          async add(em: any) {
            await em.query('INSERT INTO users (tenant_id, email) VALUES ($1, $2)', []);
            await em.query(\`UPDATE public.tenants SET status = 'x' WHERE id = $1\`, []);
            await em.query("DELETE FROM idempotency_keys WHERE expires_at < now()");
            await em.query('TRUNCATE TABLE resource_shares');
          }
        }`,
    });
    expect(v).toEqual([
      'modules/registry/fake.repository.ts: writes users (SQL), owned by auth, from registry',
      'modules/registry/fake.repository.ts: writes tenants (SQL), owned by tenant, from registry',
      'modules/registry/fake.repository.ts: writes idempotency_keys (SQL), owned by provisioning, from registry',
      'modules/registry/fake.repository.ts: writes resource_shares (SQL), owned by sharing, from registry',
    ]);
  });

  it('flags TypeORM writes to another module\'s entity, chained, by query builder or through a variable', () => {
    const v = withFiles({
      'modules/sharing/fake.repository.ts': `
        import { Injectable } from '@nestjs/common';
        export class Fake {
          async a(em: any) { await em.getRepository(UserEntity).update({ id: 1 }, { role: 'admin' }); }
          async b(em: any) { await em.createQueryBuilder().insert().into(IntegrationEntity).values({}).execute(); }
          async c(em: any) { await em.createQueryBuilder().delete().from(TenantEntity).execute(); }
          async d(em: any) {
            const keys = em.getRepository(IdempotencyKeyEntity);
            await keys.createQueryBuilder().delete().where('1 = 1').execute();
          }
          async e(em: any) { await em.getRepository('audit_logs').save({}); }
          async f(em: any) { await em.insert('refresh_tokens', { id: 1 }); }
          async g(em: any) { await em.createQueryBuilder().update('platform_admins').set({}).execute(); }
        }`,
    });
    expect(v).toEqual(expect.arrayContaining([
      'modules/sharing/fake.repository.ts: writes users (TypeORM), owned by auth, from sharing',
      'modules/sharing/fake.repository.ts: writes integrations (TypeORM), owned by registry, from sharing',
      'modules/sharing/fake.repository.ts: writes tenants (TypeORM), owned by tenant, from sharing',
      'modules/sharing/fake.repository.ts: writes idempotency_keys (TypeORM), owned by provisioning, from sharing',
      'modules/sharing/fake.repository.ts: writes audit_logs (TypeORM), owned by auth, from sharing',
      'modules/sharing/fake.repository.ts: writes refresh_tokens (TypeORM), owned by auth, from sharing',
      'modules/sharing/fake.repository.ts: writes platform_admins (TypeORM), owned by auth, from sharing',
    ]));
    expect(v).toHaveLength(7);
  });

  it('flags an import the DAG does not allow, and another module\'s repository or entity', () => {
    const v = withFiles({
      'modules/sharing/fake.service.ts': `
        import { RegistryService } from '../registry/registry.service.js';
        import type { TenantView } from '../tenant/tenant.repository.js';
        import { UserEntity } from '../auth/entities/user.entity.js';
        export { PurgeService } from '../registry/purge.service.js';`,
      'modules/tenant/fake.ts': `import { AuthService } from '../auth/auth.service.js';`,
      'common/fake.ts': `import { TenantResolver } from '../modules/tenant/tenant-resolver.service.js';`,
      'pipeline/fake.ts': `import { SharingService } from '../modules/sharing/sharing.service.js';`,
      'cli/fake.ts': `import { UsersRepository } from '../modules/auth/users.repository.js';`,
      'modules/auth/fake.ts': `import { RequestPipeline } from '../../pipeline/request-pipeline.interceptor.js';`,
    });
    expect(v.sort()).toEqual([
      "cli/fake.ts: imports auth's repository modules/auth/users.repository.ts: go through its exported service",
      'common/fake.ts: src/common may import only types from module tenant (../modules/tenant/tenant-resolver.service.js)',
      'modules/auth/fake.ts: a module may not import src/pipeline (../../pipeline/request-pipeline.interceptor.js)',
      'modules/sharing/fake.service.ts: imports auth\'s entity modules/auth/entities/user.entity.ts: go through its exported service',
      'modules/sharing/fake.service.ts: imports tenant\'s repository modules/tenant/tenant.repository.ts: go through its exported service',
      'modules/sharing/fake.service.ts: sharing may not import module registry (../registry/purge.service.js)',
      'modules/sharing/fake.service.ts: sharing may not import module registry (../registry/registry.service.js)',
      'modules/tenant/fake.ts: tenant may not import module auth (../auth/auth.service.js)',
      'pipeline/fake.ts: src/pipeline may not import module sharing (../modules/sharing/sharing.service.js)',
    ]);
  });

  it('flags a write to a table with no owner, a run-time table name, and a misplaced entity', () => {
    const v = withFiles({
      'modules/auth/fake.repository.ts': `
        const q = (t: string) => \`DELETE FROM \${t} WHERE tenant_id = $1\`;
        const r = 'INSERT INTO widgets (id) VALUES ($1)';
        const s = (t: string) => 'TRUNCATE ' + t;
        const lock = 'SELECT 1 FROM users FOR UPDATE';`,
      'modules/sharing/entities/fake.entity.ts': `
        import { Entity } from 'typeorm';
        @Entity({ name: 'users' })
        export class FakeUserEntity {}`,
    });
    expect(v.sort()).toEqual([
      'modules/auth/fake.repository.ts: writes a table named at run time (${+}); only DYNAMIC_WRITE_ALLOW_LIST may',
      'modules/auth/fake.repository.ts: writes a table named at run time (${t}); only DYNAMIC_WRITE_ALLOW_LIST may',
      'modules/auth/fake.repository.ts: writes widgets (SQL), a table with no owner in TABLE_OWNERS',
      'modules/sharing/entities/fake.entity.ts: entity FakeUserEntity of users is not in module auth',
    ]);
  });

  it('does not flag the owner, reads, comments, regular expressions or ON CONFLICT … DO UPDATE', () => {
    const v = withFiles({
      'modules/auth/fake.repository.ts': `
        // INSERT INTO tenants is what the tenant module does, not this comment
        /* DELETE FROM integrations */
        const re = /it's "not" a string/g;
        export class Fake {
          async a(em: any) {
            await em.query('INSERT INTO users (email) VALUES ($1) ON CONFLICT (tenant_id, email) DO UPDATE SET email = $1', []);
            await em.query('SELECT * FROM tenants FOR UPDATE SKIP LOCKED');
            await em.getRepository(UserEntity).update({ id: 1 }, { role: 'member' });
            const h = createHash('sha256').update('x').digest('hex');
            throw new Error('nothing to update');
          }
        }`,
    });
    expect(v).toEqual([]);
  });

  it('reads imports across lines, type-only imports and re-exports', () => {
    const refs = importsOf(scan(`
      import {
        A,
        type B,
      } from './a.js';
      import type { C } from "./c.js";
      export * from './d.js';
      import './e.js';`).code);
    expect(refs).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: './c.js', typeOnly: true },
      { specifier: './d.js', typeOnly: false },
      { specifier: './e.js', typeOnly: false },
    ]);
    expect(sqlWrites(['update "public"."users" u set x = 1', 'MERGE INTO refresh_tokens t USING'])).toEqual(['users', 'refresh_tokens']);
  });
});
