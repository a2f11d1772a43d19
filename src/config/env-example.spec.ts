import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { loadConfig } from './app-config.js';

const devSecrets = () => ({ jwtSecret: 'dev-secret-0123456789abcdefghijklmnopqrstuv', encryptionKey: Buffer.alloc(32, 1).toString('base64') });
/** .env.example exactly as `cp .env.example .env` hands it to the service (process.loadEnvFile's parser). */
const example = () => parseEnv(readFileSync(join(process.cwd(), '.env.example'), 'utf8')) as Record<string, string>;

describe('.env.example copied to .env', () => {
  it('loads: every empty value means unset and takes its default', () => {
    const raw = example();
    expect(raw.SEED_DEMO).toBe(''); // the value that used to stop the boot
    const config = loadConfig(raw, devSecrets);
    expect(config.nodeEnv).toBe('development');
    expect(config.seedDemo).toBe(true);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.appDatabaseUrl).toBeUndefined();
    expect(config.redis).toBeUndefined();
    expect(config.metrics.port).toBeUndefined();
    expect(config.metrics.token).toBeUndefined();
    expect(config.corsOrigins).toEqual([]);
    expect(config.platformAdmin).toEqual({ email: 'admin@platform.local', password: undefined });
    expect(config.loginCapacity.hashConcurrency).toBeGreaterThanOrEqual(1);
    expect(config.jwt.algorithm).toBe('HS256');
  });

  it('empty values count as unset for every kind of variable, also in production', () => {
    const raw = { ...example(), NODE_ENV: 'production', JWT_SECRET: 'Zq3v9LmP0xYt7RkWb2NcHs8JdFgA4eUi', ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') };
    const config = loadConfig({ ...raw, PORT: '', DB_PIPELINE: '', LOG_LEVEL: ' ', DIAGNOSTIC_ROUTES: '' }, devSecrets);
    expect(config.port).toBe(3000);
    expect(config.dbPipeline).toBe(true);
    expect(config.logLevel).toBe('info');
    expect(config.seedDemo).toBe(false);
    expect(config.diagnosticRoutes).toBe(false);
  });
});
