import { plainToInstance, Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';

const toInt = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const toNumber = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : Number(value);
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/** The environment as the service accepts it. Nothing outside config/ reads process.env. */
export class EnvDto {
  @IsOptional() @IsIn(['development', 'test', 'production'])
  NODE_ENV?: 'development' | 'test' | 'production';

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString()
  HOST?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  APP_DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  PLATFORM_DATABASE_URL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  LISTEN_DATABASE_URL?: string;

  /** the roles the migrations grant the runtime privileges to (default tenancy_app / tenancy_platform) */
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[a-z_][a-z0-9_]{0,62}$/)
  DATABASE_APP_ROLE?: string;

  @IsOptional() @Transform(emptyToUndefined) @Matches(/^[a-z_][a-z0-9_]{0,62}$/)
  DATABASE_PLATFORM_ROLE?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  DATA_DIR?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(500)
  DB_POOL_SIZE?: number;

  /** application_name prefix of the runtime pools' connections (`<prefix>-tenant`, `<prefix>-platform`) */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(/^[A-Za-z0-9._-]{1,40}$/)
  DB_APPLICATION_NAME?: string;

  /** --- database capacity: bulkhead, waits and timeouts (issue: noisy neighbours) --- */
  /** longest wait for a pooled connection before 503 service_unavailable */
  @IsOptional() @Transform(toInt) @IsInt() @Min(50) @Max(60_000)
  DB_ACQUIRE_TIMEOUT_MS?: number;

  /** share of the tenant pool one tenant may hold at once, 0 < share ≤ 1 */
  @IsOptional() @Transform(toNumber) @IsNumber() @Min(0.01) @Max(1)
  DB_TENANT_POOL_SHARE?: number;

  /** how long a tenant's request waits for one of its own slots before 503 tenant_busy */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  DB_TENANT_WAIT_MS?: number;

  /** statement_timeout of every tenant and platform transaction (0 = none) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  DB_STATEMENT_TIMEOUT_MS?: number;

  /** statement_timeout of platform transactions (admin work, purge, jobs: rarer and larger) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  DB_PLATFORM_STATEMENT_TIMEOUT_MS?: number;

  /** idle_in_transaction_session_timeout of every tenant and platform transaction (0 = none) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS?: number;

  /** logins of one tenant (or of the platform) checked at once by this instance */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  LOGIN_MAX_CONCURRENT_PER_TENANT?: number;

  /** login attempts per tenant (or the platform) per minute, all instances (0 = no limit) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  LOGIN_RATE_PER_TENANT?: number;

  /** how long a login waits for its tenant's turn before 429 rate_limited */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  LOGIN_QUEUE_WAIT_MS?: number;

  /** argon2 hashes computed at once by this instance (default: cores - 1, at least 1) */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(64)
  PASSWORD_HASH_CONCURRENCY?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(32)
  JWT_SECRET?: string;

  /** PEM private key (RSA ≥ 2048 bits → RS256, EC P-256 → ES256); replaces JWT_SECRET when set. */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  JWT_PRIVATE_KEY?: string;

  /** `kid` of JWT_PRIVATE_KEY, written into every token header. */
  @IsOptional() @Transform(emptyToUndefined) @IsString() @Matches(/^[A-Za-z0-9._-]{1,64}$/)
  JWT_KEY_ID?: string;

  /** JSON object `{ "<kid>": "<PEM public key>" }` of retired keys still accepted for verification. */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  JWT_PUBLIC_KEYS?: string;

  @IsOptional() @IsString()
  JWT_ISSUER?: string;

  @IsOptional() @IsString()
  JWT_AUDIENCE?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(30) @Max(86400)
  JWT_ACCESS_TTL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(300)
  JWT_REFRESH_TTL_SECONDS?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  ENCRYPTION_KEY?: string;

  // Failed logins allowed per account (tenant + email) and per client address within
  // LOGIN_FAILURE_WINDOW_SECONDS before logins answer 429; 0 turns a limit off.
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  LOGIN_MAX_FAILURES_PER_EMAIL?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  LOGIN_MAX_FAILURES_PER_IP?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  LOGIN_FAILURE_WINDOW_SECONDS?: number;

  /** Retired keys (comma-separated base64) still accepted for decryption during a rotation. */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  ENCRYPTION_KEY_PREVIOUS?: string;

  /** HMAC key of the signed tenant context (32+ bytes, base64); unset: generated and kept in the database */
  @IsOptional() @Transform(emptyToUndefined) @IsString()
  TENANT_CONTEXT_KEY?: string;

  /** how long past signing a tenant/platform context is accepted, against the transaction's start */
  @IsOptional() @Transform(toInt) @IsInt() @Min(100) @Max(3_600_000)
  TENANT_CONTEXT_TTL_MS?: number;

  @IsOptional() @IsString()
  BASE_DOMAIN?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsEmail()
  PLATFORM_ADMIN_EMAIL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(12)
  PLATFORM_ADMIN_PASSWORD?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  TENANT_CACHE_TTL_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  TENANT_CACHE_MAX?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  PRINCIPAL_CACHE_TTL_MS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  PRINCIPAL_CACHE_MAX?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024)
  BODY_LIMIT_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  TENANT_PURGE_AFTER_DAYS?: number;

  // Hostile input: JSON nesting and key count per body, request-line and header sizes.
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000)
  BODY_MAX_DEPTH?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1)
  BODY_MAX_KEYS?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(256)
  HTTP_MAX_URL_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1024)
  HTTP_MAX_HEADER_BYTES?: number;

  /** How often the in-service purge job runs; 0 turns it off (default: hourly, off in tests). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  TENANT_PURGE_INTERVAL_SECONDS?: number;

  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  CORS_ORIGINS?: string;

  @IsOptional() @IsIn(['true', 'false'])
  SEED_DEMO?: string;

  // Requests per tenant per RATE_LIMIT_WINDOW_MS, by tier; 0 turns the limit off for that tier.
  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_FREE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_PROFESSIONAL?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_ENTERPRISE?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1000)
  RATE_LIMIT_WINDOW_MS?: number;

  // Shared limits and /metrics access. REDIS_URL: rate-limit budgets and login-failure counts
  // shared by every instance (unset: each instance counts alone). METRICS_TOKEN: /metrics needs
  // `Authorization: Bearer <token>`. METRICS_PORT (+ METRICS_HOST): /metrics on its own listener only.
  @IsOptional() @Transform(emptyToUndefined) @Matches(/^rediss?:\/\//, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(10) @Max(10_000)
  REDIS_TIMEOUT_MS?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString() @MinLength(16)
  METRICS_TOKEN?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  METRICS_PORT?: number;

  @IsOptional() @Transform(emptyToUndefined) @IsString()
  METRICS_HOST?: string;

  @IsOptional() @Transform(toInt) @IsInt() @Min(0)
  SHUTDOWN_TIMEOUT_MS?: number;

  @IsOptional() @IsIn(['true', 'false'])
  DB_PIPELINE?: string;

  @IsOptional() @IsIn(['true', 'false'])
  DB_PREPARED_STATEMENTS?: string;

  @IsOptional() @IsIn(['true', 'false'])
  DIAGNOSTIC_ROUTES?: string;
}

export type Tier = 'free' | 'professional' | 'enterprise';

export class ConfigError extends Error {}

/** Supplies development-only secrets (kept under the data directory by main.ts). */
export type DevSecrets = (dataDir: string) => { jwtSecret: string; encryptionKey: string };

/**
 * Typed, validated configuration. Built once at boot from the environment;
 * development defaults apply only when NODE_ENV is not `production`.
 */
export class AppConfig {
  readonly nodeEnv: 'development' | 'test' | 'production';
  readonly port: number;
  readonly host: string;
  readonly databaseUrl?: string;
  readonly appDatabaseUrl?: string;
  readonly platformDatabaseUrl?: string;
  /** direct connection for the LISTEN of tenant changes (not through a transaction pooler) */
  readonly listenDatabaseUrl?: string;
  /** names of the runtime roles the migrations grant to (DATABASE_APP_ROLE / DATABASE_PLATFORM_ROLE) */
  readonly runtimeRoles: { tenant: string; platform: string };
  readonly dataDir: string;
  readonly dbPoolSize: number;
  /** application_name prefix of the runtime pools (pg_stat_activity tells instances apart by it) */
  readonly dbApplicationName: string;
  /** the platform pool: half the tenant pool, at least one connection */
  readonly dbPlatformPoolSize: number;
  /** capacity isolation on the runtime pools */
  readonly db: {
    acquireTimeoutMs: number;
    /** connections of the tenant pool one tenant may hold at once */
    maxPerTenant: number;
    tenantWaitMs: number;
    statementTimeoutMs: number;
    platformStatementTimeoutMs: number;
    idleInTransactionTimeoutMs: number;
  };
  readonly jwt: JwtKeys & {
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  readonly encryptionKey: Buffer;
  /** brute-force limits on login */
  readonly loginLimits: { maxFailuresPerAccount: number; maxFailuresPerIp: number; windowSeconds: number };
  /** CPU isolation of logins: per-tenant concurrency and queue wait, instance-wide hashing */
  readonly loginCapacity: { ratePerMinute: number; maxConcurrentPerTenant: number; queueWaitMs: number; hashConcurrency: number };
  /** Retired keys, accepted for decryption only (ENCRYPTION_KEY_PREVIOUS), newest first. */
  readonly encryptionKeysPrevious: Buffer[];
  /**
   * The signed tenant context (src/database/tenant-context.ts): the HMAC key when given as
   * TENANT_CONTEXT_KEY (otherwise the database's own, read by the owner at start) and the TTL.
   */
  readonly tenantContext: { key?: Buffer; ttlMs: number };
  readonly baseDomain: string;
  readonly platformAdmin?: { email: string; password?: string };
  readonly tenantCache: { ttlMs: number; max: number };
  /** the principal check's cache (principal-cache.ts); ttlMs 0 turns it off */
  readonly principalCache: { ttlMs: number; max: number };
  readonly bodyLimitBytes: number;
  readonly purgeAfterDays: number;
  /** hostile-input limits: JSON body depth and keys, URL and header bytes */
  readonly inputLimits: { bodyMaxDepth: number; bodyMaxKeys: number; maxUrlBytes: number; maxHeaderBytes: number };
  readonly purgeIntervalSeconds: number;
  readonly logLevel: string;
  readonly corsOrigins: string[];
  readonly seedDemo: boolean;
  /** per-tenant request budget per window, by tier (0 = unlimited) */
  readonly rateLimit: { windowMs: number; perTier: Record<Tier, number> };
  /** shared limit store (Redis; unset = in memory per instance) and /metrics access */
  readonly redis?: { url: string; timeoutMs: number };
  readonly metrics: { token?: string; port?: number; host: string };
  /** how long SIGTERM waits for in-flight requests before cutting them */
  readonly shutdownTimeoutMs: number;
  /** pg pipeline mode on the runtime pools (BEGIN + set_config in one round trip) */
  readonly dbPipeline: boolean;
  /** run parameterised queries as named prepared statements (off for PgBouncer < 1.21) */
  readonly dbPreparedStatements: boolean;
  /** test/diagnostic routes (GET /v1/diagnostics/sleep); off unless DIAGNOSTIC_ROUTES=true */
  readonly diagnosticRoutes: boolean;

  constructor(env: EnvDto, devSecrets: DevSecrets) {
    this.nodeEnv = env.NODE_ENV ?? 'development';
    const production = this.nodeEnv === 'production';
    this.port = env.PORT ?? 3000;
    this.host = env.HOST ?? '0.0.0.0';
    this.databaseUrl = env.DATABASE_URL;
    this.appDatabaseUrl = env.APP_DATABASE_URL;
    this.platformDatabaseUrl = env.PLATFORM_DATABASE_URL;
    this.listenDatabaseUrl = env.LISTEN_DATABASE_URL;
    this.runtimeRoles = {
      tenant: env.DATABASE_APP_ROLE ?? 'tenancy_app',
      platform: env.DATABASE_PLATFORM_ROLE ?? 'tenancy_platform',
    };
    this.dataDir = env.DATA_DIR ?? '.data';
    this.dbPoolSize = env.DB_POOL_SIZE ?? 10;
    this.dbPlatformPoolSize = Math.max(1, Math.ceil(this.dbPoolSize / 2));
    this.dbApplicationName = env.DB_APPLICATION_NAME ?? 'tenancy';
    this.db = {
      acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS ?? 2_000,
      maxPerTenant: Math.max(1, Math.floor(this.dbPoolSize * (env.DB_TENANT_POOL_SHARE ?? 0.5))),
      tenantWaitMs: env.DB_TENANT_WAIT_MS ?? 500,
      statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS ?? 10_000,
      platformStatementTimeoutMs: env.DB_PLATFORM_STATEMENT_TIMEOUT_MS ?? 120_000,
      idleInTransactionTimeoutMs: env.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS ?? 15_000,
    };

    if (production && !env.JWT_SECRET && !env.JWT_PRIVATE_KEY) {
      throw new ConfigError('JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY + JWT_KEY_ID is required in production');
    }
    if (production && !env.ENCRYPTION_KEY) {
      throw new ConfigError('ENCRYPTION_KEY is required in production (32 bytes, base64)');
    }
    const dev = production ? undefined : devSecrets(this.dataDir);
    this.jwt = {
      ...jwtKeys(env, () => dev!.jwtSecret),
      issuer: env.JWT_ISSUER ?? 'tenancy-service',
      audience: env.JWT_AUDIENCE ?? 'tenancy-api',
      accessTtlSeconds: env.JWT_ACCESS_TTL_SECONDS ?? 900,
      refreshTtlSeconds: env.JWT_REFRESH_TTL_SECONDS ?? 30 * 24 * 3600,
    };
    const key = Buffer.from(env.ENCRYPTION_KEY ?? dev!.encryptionKey, 'base64');
    if (key.length !== 32) {
      throw new ConfigError('ENCRYPTION_KEY must be 32 bytes encoded as base64');
    }
    this.encryptionKey = key;
    this.loginLimits = {
      maxFailuresPerAccount: env.LOGIN_MAX_FAILURES_PER_EMAIL ?? 5,
      maxFailuresPerIp: env.LOGIN_MAX_FAILURES_PER_IP ?? 50,
      windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS ?? 900,
    };
    this.loginCapacity = {
      ratePerMinute: env.LOGIN_RATE_PER_TENANT ?? 300,
      maxConcurrentPerTenant: env.LOGIN_MAX_CONCURRENT_PER_TENANT ?? 2,
      queueWaitMs: env.LOGIN_QUEUE_WAIT_MS ?? 1_000,
      hashConcurrency: env.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    };
    this.encryptionKeysPrevious = (env.ENCRYPTION_KEY_PREVIOUS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((encoded) => {
        const previous = Buffer.from(encoded, 'base64');
        if (previous.length !== 32) {
          throw new ConfigError('ENCRYPTION_KEY_PREVIOUS must list 32-byte keys encoded as base64');
        }
        return previous;
      });
    const contextKey = env.TENANT_CONTEXT_KEY ? Buffer.from(env.TENANT_CONTEXT_KEY, 'base64') : undefined;
    if (contextKey && contextKey.length < 32) {
      throw new ConfigError('TENANT_CONTEXT_KEY must be at least 32 bytes encoded as base64');
    }
    this.tenantContext = { key: contextKey, ttlMs: env.TENANT_CONTEXT_TTL_MS ?? 5_000 };
    this.baseDomain = (env.BASE_DOMAIN ?? 'localtest.me').toLowerCase();
    this.platformAdmin = env.PLATFORM_ADMIN_EMAIL
      ? { email: env.PLATFORM_ADMIN_EMAIL.toLowerCase(), password: env.PLATFORM_ADMIN_PASSWORD }
      : production
        ? undefined
        : { email: 'admin@platform.local', password: env.PLATFORM_ADMIN_PASSWORD };
    this.tenantCache = {
      ttlMs: env.TENANT_CACHE_TTL_MS ?? 30_000,
      max: env.TENANT_CACHE_MAX ?? 10_000,
    };
    this.principalCache = {
      ttlMs: env.PRINCIPAL_CACHE_TTL_MS ?? 30_000,
      max: env.PRINCIPAL_CACHE_MAX ?? 100_000,
    };
    this.bodyLimitBytes = env.BODY_LIMIT_BYTES ?? 1024 * 1024;
    this.purgeAfterDays = env.TENANT_PURGE_AFTER_DAYS ?? 30;
    this.inputLimits = {
      bodyMaxDepth: env.BODY_MAX_DEPTH ?? 64,
      bodyMaxKeys: env.BODY_MAX_KEYS ?? 10_000,
      maxUrlBytes: env.HTTP_MAX_URL_BYTES ?? 8 * 1024,
      maxHeaderBytes: env.HTTP_MAX_HEADER_BYTES ?? 16 * 1024,
    };
    if (this.inputLimits.maxHeaderBytes <= this.inputLimits.maxUrlBytes) {
      throw new ConfigError('HTTP_MAX_HEADER_BYTES must be larger than HTTP_MAX_URL_BYTES (the request line counts as a header)');
    }
    this.purgeIntervalSeconds = env.TENANT_PURGE_INTERVAL_SECONDS ?? (this.nodeEnv === 'test' ? 0 : 3600);
    this.logLevel = env.LOG_LEVEL ?? (this.nodeEnv === 'test' ? 'silent' : 'info');
    this.corsOrigins = env.CORS_ORIGINS ? env.CORS_ORIGINS.split(',').map((s) => s.trim()) : [];
    this.seedDemo = env.SEED_DEMO ? env.SEED_DEMO === 'true' : !production;
    this.rateLimit = {
      windowMs: env.RATE_LIMIT_WINDOW_MS ?? 60_000,
      perTier: {
        free: env.RATE_LIMIT_FREE ?? 600,
        professional: env.RATE_LIMIT_PROFESSIONAL ?? 3_000,
        enterprise: env.RATE_LIMIT_ENTERPRISE ?? 12_000,
      },
    };
    this.redis = env.REDIS_URL ? { url: env.REDIS_URL, timeoutMs: env.REDIS_TIMEOUT_MS ?? 100 } : undefined;
    this.metrics = { token: env.METRICS_TOKEN, port: env.METRICS_PORT, host: env.METRICS_HOST ?? this.host };
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS ?? 10_000;
    this.dbPipeline = env.DB_PIPELINE ? env.DB_PIPELINE === 'true' : true;
    this.dbPreparedStatements = env.DB_PREPARED_STATEMENTS ? env.DB_PREPARED_STATEMENTS === 'true' : true;
    this.diagnosticRoutes = env.DIAGNOSTIC_ROUTES === 'true';
    if (production && this.diagnosticRoutes) {
      throw new ConfigError('DIAGNOSTIC_ROUTES must not be enabled in production');
    }
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

/**
 * How access tokens are signed and verified: one algorithm (the allow-list), and either an HS256
 * secret or an asymmetric private key with its `kid` plus every public key accepted by `kid`
 * (the current one and retired ones during a rotation).
 */
export interface JwtKeys {
  algorithm: JwtAlgorithm;
  /** HS256 only */
  secret?: string;
  /** RS256/ES256: PEM private key and its kid */
  privateKey?: string;
  keyId?: string;
  /** RS256/ES256: kid → PEM public key */
  publicKeys: Record<string, string>;
}

const pem = (value: string) => value.replace(/\\n/g, '\n').trim();

/** Reads and checks the JWT key settings; a weak or inconsistent key stops the boot. */
export function jwtKeys(env: EnvDto, devSecret: () => string): JwtKeys {
  const production = (env.NODE_ENV ?? 'development') === 'production';
  if (!env.JWT_PRIVATE_KEY) {
    if (env.JWT_KEY_ID || env.JWT_PUBLIC_KEYS) {
      throw new ConfigError('JWT_KEY_ID and JWT_PUBLIC_KEYS need JWT_PRIVATE_KEY');
    }
    const secret = env.JWT_SECRET ?? devSecret();
    if (Buffer.byteLength(secret, 'utf8') < 32) {
      throw new ConfigError('JWT_SECRET must be at least 32 bytes');
    }
    if (production && new Set(secret).size < 10) {
      throw new ConfigError('JWT_SECRET is too weak: use at least 32 random bytes');
    }
    return { algorithm: 'HS256', secret, publicKeys: {} };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(env.JWT_PRIVATE_KEY));
  } catch {
    throw new ConfigError('JWT_PRIVATE_KEY is not a PEM private key');
  }
  const algorithm = asymmetricAlgorithm(key, 'JWT_PRIVATE_KEY');
  if (!env.JWT_KEY_ID) throw new ConfigError('JWT_KEY_ID is required with JWT_PRIVATE_KEY');
  const publicKeys: Record<string, string> = {};
  if (env.JWT_PUBLIC_KEYS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.JWT_PUBLIC_KEYS);
    } catch {
      throw new ConfigError('JWT_PUBLIC_KEYS must be a JSON object of kid → PEM public key');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ConfigError('JWT_PUBLIC_KEYS must be a JSON object of kid → PEM public key');
    }
    for (const [kid, value] of Object.entries(parsed)) {
      let pub: KeyObject;
      try {
        pub = createPublicKey(pem(String(value)));
      } catch {
        throw new ConfigError(`JWT_PUBLIC_KEYS[${kid}] is not a PEM public key`);
      }
      if (asymmetricAlgorithm(pub, `JWT_PUBLIC_KEYS[${kid}]`) !== algorithm) {
        throw new ConfigError(`JWT_PUBLIC_KEYS[${kid}] is not a ${algorithm} key like JWT_PRIVATE_KEY`);
      }
      publicKeys[kid] = pub.export({ type: 'spki', format: 'pem' }) as string;
    }
  }
  // The current key's public half always verifies, under its own kid.
  publicKeys[env.JWT_KEY_ID] = createPublicKey(key).export({ type: 'spki', format: 'pem' }) as string;
  return {
    algorithm,
    privateKey: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    keyId: env.JWT_KEY_ID,
    publicKeys,
  };
}

function asymmetricAlgorithm(key: KeyObject, name: string): JwtAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048) throw new ConfigError(`${name}: an RSA key needs at least 2048 bits`);
    return 'RS256';
  }
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  throw new ConfigError(`${name}: use an RSA (≥ 2048 bits, RS256) or EC P-256 (ES256) key`);
}

/** Validates raw environment variables; throws a ConfigError listing every problem. */
export function validateEnv(raw: Record<string, string | undefined>): EnvDto {
  // An empty value means "unset", for every variable (`SEED_DEMO=` in a copied .env.example, or
  // `FOO= npm start`), so each one falls back to its default instead of failing validation.
  const set = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined && value.trim() !== ''));
  const env = plainToInstance(EnvDto, set, { excludeExtraneousValues: false });
  const errors = validateSync(env, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.map(
      (e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return env;
}

/** Loads the configuration; `devSecrets` supplies stable development-only secrets. */
export function loadConfig(
  raw: Record<string, string | undefined> = process.env,
  devSecrets: DevSecrets = ephemeralDevSecrets,
): AppConfig {
  return new AppConfig(validateEnv(raw), devSecrets);
}

function ephemeralDevSecrets() {
  return {
    jwtSecret: randomBytes(32).toString('base64url'),
    encryptionKey: randomBytes(32).toString('base64'),
  };
}

/** Loads a `.env` file into process.env when one exists (real environment variables win). */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
