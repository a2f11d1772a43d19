import pg from 'pg';
import { Column, DataSource, Entity, PrimaryColumn, type EntityMetadata } from 'typeorm';
import { ENTITIES } from '../../src/database/entities.js';
import { testEndpoints } from '../helpers/env.js';

// Every entity of ENTITIES against the migrated catalog of this file's own database: table,
// columns, primary key, nullability and type; and every table has an entity.

interface CatalogColumn {
  table: string;
  column: string;
  nullable: boolean;
  udt: string;
  primary: boolean;
}

/** TypeORM's column types as Postgres names them (udt_name); an array is `_` + its element. */
const UDT: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  varchar: 'varchar',
  'character varying': 'varchar',
  integer: 'int4',
  int: 'int4',
  int4: 'int4',
  bigint: 'int8',
  int8: 'int8',
  smallint: 'int2',
  boolean: 'bool',
  bool: 'bool',
  jsonb: 'jsonb',
  json: 'json',
  bytea: 'bytea',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  timestamp: 'timestamp',
  date: 'date',
};

async function catalogColumns(sql: pg.Client): Promise<CatalogColumn[]> {
  const { rows } = await sql.query(`
    SELECT c.table_name AS table, c.column_name AS column, c.is_nullable = 'YES' AS nullable, c.udt_name AS udt,
           EXISTS (SELECT 1 FROM information_schema.table_constraints tc
                     JOIN information_schema.key_column_usage k
                       ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
                      AND k.table_name = tc.table_name
                    WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = c.table_schema
                      AND tc.table_name = c.table_name AND k.column_name = c.column_name) AS primary
      FROM information_schema.columns c
      JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`);
  return rows;
}

/** Tables of the public schema that are no entity's, and why. */
const NO_ENTITY: Record<string, string> = {
  schema_migrations: "the migrator's bookkeeping (src/database/migrator.ts), never read through TypeORM",
};

/** The differences between entity metadata and the catalog, as readable lines (empty = equal). */
function diff(metadatas: EntityMetadata[], catalog: CatalogColumn[], requireAllTables: boolean): string[] {
  const out: string[] = [];
  const byTable = new Map<string, CatalogColumn[]>();
  for (const c of catalog) byTable.set(c.table, [...(byTable.get(c.table) ?? []), c]);
  const mapped = new Set<string>();
  for (const m of metadatas) {
    const name = `${m.name} (${m.tableName})`;
    mapped.add(m.tableName);
    const columns = byTable.get(m.tableName);
    if (!columns) {
      out.push(`${name}: no table ${m.tableName} in the catalog`);
      continue;
    }
    const inCatalog = new Map(columns.map((c) => [c.column, c]));
    for (const col of m.columns) {
      const c = inCatalog.get(col.databaseName);
      if (!c) {
        out.push(`${name}: column ${col.databaseName} is not in the table`);
        continue;
      }
      if (col.isNullable !== c.nullable) {
        out.push(`${name}.${col.databaseName}: entity ${col.isNullable ? 'nullable' : 'NOT NULL'}, table ${c.nullable ? 'nullable' : 'NOT NULL'}`);
      }
      const type = UDT[String(col.type)] ?? String(col.type);
      const expected = col.isArray ? `_${type}` : type;
      if (expected !== c.udt) out.push(`${name}.${col.databaseName}: entity type ${expected}, table ${c.udt}`);
    }
    for (const c of columns) {
      if (!m.findColumnWithDatabaseName(c.column)) out.push(`${name}: table column ${c.column} has no entity column`);
    }
    const entityKey = m.primaryColumns.map((c) => c.databaseName).sort();
    const tableKey = columns.filter((c) => c.primary).map((c) => c.column).sort();
    if (entityKey.join() !== tableKey.join()) {
      out.push(`${name}: primary key (${entityKey.join(', ')}) in the entity, (${tableKey.join(', ')}) in the table`);
    }
  }
  if (requireAllTables) {
    for (const table of byTable.keys()) {
      if (!mapped.has(table) && !(table in NO_ENTITY)) out.push(`table ${table} has no entity in ENTITIES`);
    }
  }
  return out;
}

async function metadataOf(entities: Function[]): Promise<{ ds: DataSource; metadatas: EntityMetadata[] }> {
  // initialize() builds the metadata (and opens a pool); nothing is synchronised or migrated
  const ds = new DataSource({
    type: 'postgres',
    url: testEndpoints().ownerUrl,
    entities,
    synchronize: false,
    migrationsRun: false,
    poolSize: 1,
  });
  await ds.initialize();
  return { ds, metadatas: ds.entityMetadatas };
}

let sql: pg.Client;
let catalog: CatalogColumn[];

beforeAll(async () => {
  sql = new pg.Client({ connectionString: testEndpoints().ownerUrl });
  await sql.connect();
  catalog = await catalogColumns(sql);
});

afterAll(async () => {
  await sql?.end();
});

describe('entities against the catalog', () => {
  it('reads a catalog with the known tables (not vacuous)', () => {
    const tables = new Set(catalog.map((c) => c.table));
    for (const t of ['tenants', 'users', 'integrations', 'resources', 'idempotency_keys']) expect(tables.has(t)).toBe(true);
  });

  it('every entity of ENTITIES matches its table, and every table has an entity', async () => {
    const { ds, metadatas } = await metadataOf(ENTITIES);
    try {
      expect(metadatas).toHaveLength(ENTITIES.length);
      expect(diff(metadatas, catalog, true)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('tenant_id is in the primary key of every entity whose table has it there', async () => {
    const { ds, metadatas } = await metadataOf(ENTITIES);
    try {
      for (const m of metadatas) {
        const tenantKey = catalog.some((c) => c.table === m.tableName && c.column === 'tenant_id' && c.primary);
        if (tenantKey) expect({ entity: m.name, key: m.primaryColumns.map((c) => c.databaseName) }).toEqual({
          entity: m.name,
          key: expect.arrayContaining(['tenant_id']),
        });
      }
    } finally {
      await ds.destroy();
    }
  });
});

// A deliberately wrong entity of table integrations: a lint that cannot fail protects nothing.
@Entity({ name: 'integrations' })
class DriftedIntegrationEntity {
  @PrimaryColumn({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ name: 'provider', type: 'text', nullable: true })
  provider: string | null;

  @Column({ name: 'key_version', type: 'integer' })
  keyVersion: number;

  @Column({ name: 'secret', type: 'text' })
  secret: string;
}

@Entity({ name: 'gadgets' })
class MissingTableEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;
}

describe('the comparison finds drift', () => {
  it('reports a wrong key, nullability, type, an extra and missing columns, a missing table and an unmapped table', async () => {
    const { ds, metadatas } = await metadataOf([DriftedIntegrationEntity, MissingTableEntity]);
    try {
      const found = diff(metadatas, catalog, true);
      expect(found).toEqual(expect.arrayContaining([
        'DriftedIntegrationEntity (integrations): primary key (name) in the entity, (name, tenant_id) in the table',
        'DriftedIntegrationEntity (integrations).provider: entity nullable, table NOT NULL',
        'DriftedIntegrationEntity (integrations).key_version: entity type int4, table text',
        'DriftedIntegrationEntity (integrations): column secret is not in the table',
        'DriftedIntegrationEntity (integrations): table column ciphertext has no entity column',
        'MissingTableEntity (gadgets): no table gadgets in the catalog',
        'table users has no entity in ENTITIES',
      ]));
      expect(found.some((l) => l.includes('schema_migrations'))).toBe(false);
    } finally {
      await ds.destroy();
    }
  });
});
