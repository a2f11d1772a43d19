import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { RuntimeClient } from './runtime-client.js';

interface RuntimeDriver {
  Pool: new (config?: pg.PoolConfig) => pg.Pool;
  runtimePool: pg.Pool;
}

/**
 * pg, as TypeORM's documented `driver` option, with `Pool` answering a pool the service created
 * itself. TypeORM queries through that pool as usual; the service reads the pool's counters and
 * options (metrics, tests) through pg's public API instead of TypeORM's driver internals.
 */
export function runtimeDriver(config: pg.PoolConfig): typeof pg {
  const pool = new pg.Pool(config);
  // a framed client never reaches its next user framed, whoever released it (runtime-client.ts)
  pool.on('release', (_err, client) => (client as pg.PoolClient & Partial<RuntimeClient>).frameStatements?.(undefined));
  // A constructor that returns an object makes `new` answer that object: TypeORM's one
  // `new driver.Pool(options)` gets this pool (built from the same options) and nothing else does.
  function RuntimePool() {
    return pool;
  }
  return Object.create(pg, {
    Pool: { value: RuntimePool },
    runtimePool: { value: pool },
  }) as typeof pg;
}

/** The pool behind a data source whose options were given runtimeDriver(). */
export function runtimePool(dataSource: DataSource): pg.Pool {
  const driver = (dataSource.options as { driver?: Partial<RuntimeDriver> }).driver;
  if (!driver?.runtimePool) throw new Error("data source was not made with runtimeDriver()");
  return driver.runtimePool;
}
