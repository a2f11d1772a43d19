/**
 * Who owns what: the one copy of docs/architecture.md's tables that the ownership test
 * (ownership.spec.ts) enforces on src/. Change both together.
 */

export const MODULES = ['tenant', 'auth', 'sharing', 'registry', 'provisioning'] as const;
export type ModuleName = (typeof MODULES)[number];

/** Code outside src/modules/, by its first folder under src/ ('root' for src/*.ts). */
export const AREAS = ['root', 'cli', 'common', 'config', 'database', 'health', 'observability', 'pipeline'] as const;
export type AreaName = (typeof AREAS)[number];

/**
 * Table → the module whose repositories alone may INSERT, UPDATE, DELETE or TRUNCATE it.
 * schema_migrations is the migrator's (src/database/migrator.ts), created outside migrations/.
 */
export const TABLE_OWNERS: Record<string, ModuleName | 'database'> = {
  tenants: 'tenant',
  users: 'auth',
  refresh_tokens: 'auth',
  platform_admins: 'auth',
  platform_refresh_tokens: 'auth',
  audit_logs: 'auth',
  platform_audit_logs: 'auth',
  resources: 'sharing',
  resource_shares: 'sharing',
  integrations: 'registry',
  idempotency_keys: 'provisioning',
  password_resets: 'auth',
  schema_migrations: 'database',
  // the signed tenant context's keys (0030): written by setup and rotation (tenant-context.ts)
  // as the owner role, read only by SECURITY DEFINER functions; no runtime role touches it
  'app.tenant_context_keys': 'database',
};

/** Module → the modules it may import (a DAG: nothing imports provisioning, tenant imports nothing). */
export const MODULE_IMPORTS: Record<ModuleName, readonly ModuleName[]> = {
  tenant: [],
  auth: ['tenant'],
  sharing: ['tenant', 'auth'],
  registry: ['tenant', 'auth', 'sharing'],
  provisioning: ['tenant', 'auth', 'registry'],
};

/**
 * Code outside the modules → the modules it may import. Like a module, it never imports a
 * repository, and an entity file only from src/database/entities.ts (ENTITIES_LIST).
 * - root (main.ts, app.module.ts, app.factory.ts): wires the app, so any module.
 * - cli: the command-line tools run the modules' services, so any module.
 * - pipeline: authenticates (auth), resolves and rate-limits the tenant (tenant).
 * - database: the demo seed goes through TenantService; entities.ts lists every entity.
 * - observability: metrics read the tenant cache's stats (TenantResolver).
 * - common: only types, for the request's resolved tenant (fastify-request.ts).
 * - config, health: no module.
 */
export const AREA_IMPORTS: Record<AreaName, readonly ModuleName[]> = {
  root: MODULES,
  cli: MODULES,
  pipeline: ['tenant', 'auth'],
  database: ['tenant'],
  observability: ['tenant'],
  common: ['tenant'],
  config: [],
  health: [],
};

/**
 * Code outside the modules that no module imports: the wiring, the commands and the pipeline sit
 * above the modules (they import them), so an import back would be a cycle.
 */
export const AREAS_ABOVE_MODULES: readonly AreaName[] = ['root', 'cli', 'pipeline', 'health'];

/** Areas whose module imports must be `import type` (they need a module's types, never its code). */
export const TYPE_ONLY_AREAS: ReadonlySet<AreaName> = new Set(['common']);

/** The file that lists every entity for the data sources (it alone imports entity files from outside). */
export const ENTITIES_LIST = 'database/entities.ts';

/**
 * Writes whose table is only known at run time, allowed here and nowhere else, with the reason.
 * Keyed by the file (relative to src/).
 */
export const DYNAMIC_WRITE_ALLOW_LIST: Record<string, string> = {
  'modules/registry/purge.repository.ts':
    'the purge deletes a due tenant from every table with a tenant_id column, found in the catalog, ' +
    'so that a table added later cannot keep a purged tenant\'s rows',
};
