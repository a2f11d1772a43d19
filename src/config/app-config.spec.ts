import { generateKeyPairSync, type KeyExportOptions, type KeyObject } from 'node:crypto';
import { ConfigError, loadConfig } from './app-config.js';

const pem = (k: KeyObject, type: 'spki' | 'pkcs8') => String(k.export({ type, format: 'pem' } as KeyExportOptions<'pem'>));
const devSecrets = () => ({ jwtSecret: 'd'.repeat(8) + 'evsecret-0123456789abcdefghijklm', encryptionKey: Buffer.alloc(32, 1).toString('base64') });
const PROD = { NODE_ENV: 'production', ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64') };
const STRONG = 'Zq3v9LmP0xYt7RkWb2NcHs8JdFgA4eUi';

describe('JWT key configuration', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  it('refuses to boot in production without a key', () => {
    expect(() => loadConfig({ ...PROD }, devSecrets)).toThrow(ConfigError);
    expect(() => loadConfig({ ...PROD }, devSecrets)).toThrow(/JWT_SECRET .* or JWT_PRIVATE_KEY/);
  });

  it('refuses a short or low-entropy secret in production', () => {
    expect(() => loadConfig({ ...PROD, JWT_SECRET: 'too-short' }, devSecrets)).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...PROD, JWT_SECRET: 'a'.repeat(40) }, devSecrets)).toThrow(/too weak/);
    expect(() => loadConfig({ ...PROD, JWT_SECRET: 'abababababababababababababababab' }, devSecrets)).toThrow(/too weak/);
  });

  it('accepts a strong secret as HS256', () => {
    const config = loadConfig({ ...PROD, JWT_SECRET: STRONG }, devSecrets);
    expect(config.jwt).toMatchObject({ algorithm: 'HS256', secret: STRONG, publicKeys: {} });
    expect(config.jwt.accessTtlSeconds).toBe(900);
  });

  it('generates a development secret only outside production', () => {
    expect(loadConfig({ NODE_ENV: 'development' }, devSecrets).jwt.algorithm).toBe('HS256');
  });

  it('an RSA private key with a kid selects RS256 and verifies with its own public key', () => {
    const config = loadConfig({ ...PROD, JWT_PRIVATE_KEY: pem(rsa.privateKey, 'pkcs8'), JWT_KEY_ID: 'k1' }, devSecrets);
    expect(config.jwt.algorithm).toBe('RS256');
    expect(config.jwt.keyId).toBe('k1');
    expect(config.jwt.secret).toBeUndefined();
    expect(config.jwt.publicKeys.k1).toBe(pem(rsa.publicKey, 'spki'));
  });

  it('an EC P-256 key selects ES256; PEM with escaped newlines is accepted', () => {
    const escaped = pem(ec.privateKey, 'pkcs8').replace(/\n/g, '\\n');
    const config = loadConfig({ ...PROD, JWT_PRIVATE_KEY: escaped, JWT_KEY_ID: 'ec-1' }, devSecrets);
    expect(config.jwt.algorithm).toBe('ES256');
  });

  it('requires a kid with a private key, and a private key with a kid', () => {
    expect(() => loadConfig({ ...PROD, JWT_PRIVATE_KEY: pem(rsa.privateKey, 'pkcs8') }, devSecrets)).toThrow(/JWT_KEY_ID/);
    expect(() => loadConfig({ ...PROD, JWT_SECRET: STRONG, JWT_KEY_ID: 'k1' }, devSecrets)).toThrow(/need JWT_PRIVATE_KEY/);
  });

  it('refuses a weak RSA key, an unsupported curve and garbage', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => loadConfig({ ...PROD, JWT_PRIVATE_KEY: pem(weak.privateKey, 'pkcs8'), JWT_KEY_ID: 'k' }, devSecrets)).toThrow(/2048/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => loadConfig({ ...PROD, JWT_PRIVATE_KEY: pem(p384.privateKey, 'pkcs8'), JWT_KEY_ID: 'k' }, devSecrets)).toThrow(/P-256/);
    expect(() => loadConfig({ ...PROD, JWT_PRIVATE_KEY: 'not a key', JWT_KEY_ID: 'k' }, devSecrets)).toThrow(/not a PEM/);
    expect(() => loadConfig({ ...PROD, JWT_PRIVATE_KEY: pem(rsa.privateKey, 'pkcs8'), JWT_KEY_ID: 'bad kid!' }, devSecrets)).toThrow(ConfigError);
  });

  it('JWT_PUBLIC_KEYS adds retired keys of the same type by kid', () => {
    const old = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = loadConfig({
      ...PROD,
      JWT_PRIVATE_KEY: pem(rsa.privateKey, 'pkcs8'),
      JWT_KEY_ID: 'k2',
      JWT_PUBLIC_KEYS: JSON.stringify({ k1: pem(old.publicKey, 'spki') }),
    }, devSecrets);
    expect(Object.keys(config.jwt.publicKeys).sort()).toEqual(['k1', 'k2']);
    const base = { ...PROD, JWT_PRIVATE_KEY: pem(rsa.privateKey, 'pkcs8'), JWT_KEY_ID: 'k2' };
    expect(() => loadConfig({ ...base, JWT_PUBLIC_KEYS: '[1]' }, devSecrets)).toThrow(/JSON object/);
    expect(() => loadConfig({ ...base, JWT_PUBLIC_KEYS: '{not json' }, devSecrets)).toThrow(/JSON object/);
    expect(() => loadConfig({ ...base, JWT_PUBLIC_KEYS: JSON.stringify({ k1: 'nope' }) }, devSecrets)).toThrow(/not a PEM public key/);
    expect(() => loadConfig({ ...base, JWT_PUBLIC_KEYS: JSON.stringify({ k1: pem(ec.publicKey, 'spki') }) }, devSecrets)).toThrow(/RS256/);
  });
});

describe('login limits configuration', () => {
  it('defaults to 5 per account and 50 per address in 15 minutes, and reads overrides', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, devSecrets).loginLimits).toEqual({ maxFailuresPerAccount: 5, maxFailuresPerIp: 50, windowSeconds: 900 });
    const c = loadConfig({ NODE_ENV: 'test', LOGIN_MAX_FAILURES_PER_EMAIL: '3', LOGIN_MAX_FAILURES_PER_IP: '0', LOGIN_FAILURE_WINDOW_SECONDS: '60' }, devSecrets);
    expect(c.loginLimits).toEqual({ maxFailuresPerAccount: 3, maxFailuresPerIp: 0, windowSeconds: 60 });
    expect(() => loadConfig({ NODE_ENV: 'test', LOGIN_FAILURE_WINDOW_SECONDS: '0' }, devSecrets)).toThrow(ConfigError);
  });
});

describe('shared limits and /metrics access', () => {
  it('is in memory and open by default; reads REDIS_URL, METRICS_TOKEN, METRICS_PORT and METRICS_HOST', () => {
    const plain = loadConfig({ NODE_ENV: 'test', HOST: '0.0.0.0' }, devSecrets);
    expect(plain.redis).toBeUndefined();
    expect(plain.metrics).toEqual({ token: undefined, port: undefined, host: '0.0.0.0' });
    const c = loadConfig(
      { NODE_ENV: 'test', REDIS_URL: 'rediss://:pw@redis:6380/2', METRICS_TOKEN: 'a'.repeat(32), METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' },
      devSecrets,
    );
    expect(c.redis).toEqual({ url: 'rediss://:pw@redis:6380/2', timeoutMs: 100 });
    expect(c.metrics).toEqual({ token: 'a'.repeat(32), port: 9464, host: '10.0.0.5' });
  });

  it('refuses a REDIS_URL that is not redis:// or rediss://, and a short METRICS_TOKEN', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', REDIS_URL: 'http://redis:6379' }, devSecrets)).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'test', METRICS_TOKEN: 'short' }, devSecrets)).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ NODE_ENV: 'test', METRICS_PORT: '70000' }, devSecrets)).toThrow(/METRICS_PORT/);
  });
});
