import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import { createUser, type TestUser } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';
import { startRedis, type TestRedis } from '../helpers/redis-server.js';
import { waitFor } from '../helpers/wait.js';
import { RedisConnection } from '../../src/common/redis-connection.js';

// Small budgets, and an hour-long window so nothing refills while a test runs.
const LIMITS = {
  RATE_LIMIT_FREE: '5',
  RATE_LIMIT_PROFESSIONAL: '20',
  RATE_LIMIT_ENTERPRISE: '0', // the login tests' tenants: only the login limits apply
  RATE_LIMIT_WINDOW_MS: '3600000',
  LOGIN_MAX_FAILURES_PER_EMAIL: '3',
  LOGIN_MAX_FAILURES_PER_IP: '1000',
  LOGIN_FAILURE_WINDOW_SECONDS: '900',
};

const hit = (app: NestFastifyApplication, t: TestTenant) =>
  request(app.getHttpServer()).get('/probe/no-db').set('X-Tenant-ID', t.subdomain);

const login = (app: NestFastifyApplication, t: TestTenant, email: string, password: string) =>
  request(app.getHttpServer()).post('/v1/auth/login').set('X-Tenant-ID', t.subdomain).send({ email, password });

function expectRateLimited(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 429, code: 'rate_limited' });
  // the seconds left of the window depend on the clock: only its floor is fixed
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

/** Sends `n` requests for `t`, alternating between the instances, one after another. */
async function alternate(apps: NestFastifyApplication[], t: TestTenant, n: number) {
  const answers: Array<{ instance: number; res: Response }> = [];
  for (let i = 0; i < n; i++) answers.push({ instance: i % apps.length, res: await hit(apps[i % apps.length], t) });
  return answers;
}

function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

describe('shared limits: two instances, one Redis (REDIS_URL)', () => {
  let redis: TestRedis;
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;

  beforeAll(async () => {
    redis = await startRedis();
    // a long Redis timeout, so that a request that waited for it stands out in the hang test
    const env = { ...LIMITS, REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000' };
    a = await createTestApp({ env, extraModules: [ProbeModule] });
    b = await createTestApp({ env, extraModules: [ProbeModule] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  it('admits exactly the tier budget across both instances, not twice it; the rest are 429 rate_limited with Retry-After', async () => {
    const t = await createTenant({ tier: 'free' });
    const answers = await alternate([a, b], t, 12);
    const admitted = answers.filter((x) => x.res.status === 200);
    expect(admitted).toHaveLength(5);
    // both instances took from the one budget: 3 on A, 2 on B, and the remaining count runs down across them
    expect(admitted.map((x) => x.instance)).toEqual([0, 1, 0, 1, 0]);
    expect(admitted.map((x) => x.res.headers['ratelimit-remaining'])).toEqual(['4', '3', '2', '1', '0']);
    const refused = answers.filter((x) => x.res.status !== 200);
    expect(refused).toHaveLength(7);
    expect(new Set(refused.map((x) => x.instance))).toEqual(new Set([0, 1]));
    for (const { res } of refused) {
      expectRateLimited(res);
      expect(res.headers['x-tenant-id']).toBe(t.id);
    }
  });

  it('stays exact with 60 requests in flight at once on both instances (atomic script)', async () => {
    const t = await createTenant({ tier: 'professional' });
    const answers = await Promise.all([...Array(60)].map((_, i) => hit(i % 2 ? b : a, t)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(20);
    const refused = answers.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(40);
    for (const res of refused) expectRateLimited(res);
  });

  it('counts failed logins made on either instance toward one lock-out', async () => {
    const t = await createTenant({ tier: 'enterprise' });
    const user = await createUser(t.id);
    const other = await createUser(t.id);
    // failures 1 and 3 on A, 2 on B: the limit (3) is reached across the two
    expect((await login(a, t, user.email, 'wrong-password-1')).status).toBe(401);
    expect((await login(b, t, user.email, 'wrong-password-2')).status).toBe(401);
    expect((await login(a, t, user.email, 'wrong-password-3')).status).toBe(401);
    // locked on both, even with the right password
    expectRateLimited(await login(b, t, user.email, user.password));
    expectRateLimited(await login(a, t, user.email, user.password));
    // another account of the tenant is not affected
    expect((await login(b, t, other.email, other.password)).status).toBe(200);
  });

  it('lets exactly the limit of parallel wrong guesses through across both instances', async () => {
    const t = await createTenant({ tier: 'enterprise' });
    const user = await createUser(t.id);
    const answers = await Promise.all([...Array(12)].map((_, i) => login(i % 2 ? b : a, t, user.email, `wrong-password-${i}`)));
    expect(answers.filter((r) => r.status === 401)).toHaveLength(3);
    const refused = answers.filter((r) => r.status !== 401);
    expect(refused).toHaveLength(9);
    for (const res of refused) expectRateLimited(res);
  });

  it('a successful login on one instance clears the account’s count for the other', async () => {
    const t = await createTenant({ tier: 'enterprise' });
    const user: TestUser = await createUser(t.id);
    expect((await login(a, t, user.email, 'wrong-password-1')).status).toBe(401);
    expect((await login(b, t, user.email, 'wrong-password-2')).status).toBe(401);
    expect((await login(a, t, user.email, user.password)).status).toBe(200);
    expect((await login(b, t, user.email, 'wrong-password-3')).status).toBe(401);
    expect((await login(a, t, user.email, 'wrong-password-4')).status).toBe(401);
    expect((await login(b, t, user.email, user.password)).status).toBe(200);
  });

  it('keeps every key under tenancy:, with a TTL no longer than its window, and no email or address in it', async () => {
    const client = new Redis(redis.url, { lazyConnect: true });
    await client.connect();
    try {
      const keys = await client.keys('*');
      // the hour-long budgets of the two rate-limited tenants above (the login tests' tenants are
      // enterprise: no budget); the other keys' number depends on the clock (two-second buckets)
      expect(keys.filter((k) => k.startsWith('tenancy:rl:tenant:'))).toHaveLength(2);
      for (const key of keys) {
        expect(key).toMatch(/^tenancy:(rl:tenant:[0-9a-f-]{36}|rl:login:(tenant:[0-9a-f-]{36}|platform)|login:[A-Za-z0-9_-]{43})$/);
        const ttl = await client.pttl(key);
        if (ttl === -2) continue; // expired since KEYS (the login rate's buckets live two seconds)
        // what is left of a TTL depends on the clock: it is bounded, and -1 would be no expiry
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(key.startsWith('tenancy:rl:') ? 3_600_000 : 900_000);
      }
      expect(keys.join(' ')).not.toMatch(/@|127\.0\.0\.1/);
    } finally {
      client.disconnect();
    }
  });

  it('when Redis hangs, one request waits REDIS_TIMEOUT_MS for it, the next ones are decided locally at once', async () => {
    const t = await createTenant({ tier: 'professional' });
    process.kill(redis.pid, 'SIGSTOP');
    try {
      for (const app of [a, b]) {
        const took: number[] = [];
        for (let i = 0; i < 4; i++) {
          const started = Date.now();
          expect((await hit(app, t)).status).toBe(200);
          took.push(Date.now() - started);
        }
        // REDIS_TIMEOUT_MS is 1000 here: the first request times out, then Redis is left alone
        expect(took[0]).toBeGreaterThanOrEqual(900);
        expect(took[0]).toBeLessThan(3_000);
        for (const ms of took.slice(1)) expect(ms).toBeLessThan(900);
      }
    } finally {
      process.kill(redis.pid, 'SIGCONT');
    }
    // once the back-off is over on both instances, the one shared budget applies again: 20 in
    // all, less the two hits that reached Redis late (one per instance, sent before its timeout,
    // run on resume)
    await waitFor('both instances to try Redis again', () => a.get(RedisConnection).usable && b.get(RedisConnection).usable);
    const after = await alternate([a, b], t, 30);
    expect(after.filter((x) => x.res.status === 200)).toHaveLength(18);
    expect(after.slice(-2).map((x) => x.res.status)).toEqual([429, 429]);
  });

  // Last: it stops the Redis server.
  it('when Redis goes away, rate limits fail open to per-instance budgets and login lock-outs stay per instance, with a metric', async () => {
    const fallbacks = async (use: string) =>
      sample((await request(a.getHttpServer()).get('/metrics').expect(200)).text, 'shared_store_fallbacks_total', `{use="${use}"}`) ?? 0;
    const before = { rate: await fallbacks('rate_limit'), login: await fallbacks('login_throttle') };
    await redis.stop();
    const t = await createTenant({ tier: 'free' });
    const started = Date.now();
    const onA = await Promise.all([...Array(7)].map(() => hit(a, t)));
    const onB = await Promise.all([...Array(7)].map(() => hit(b, t)));
    // each instance applies the budget on its own: served, not refused, not unlimited
    for (const answers of [onA, onB]) {
      expect(answers.filter((r) => r.status === 200)).toHaveLength(5);
      for (const res of answers.filter((r) => r.status !== 200)) expectRateLimited(res);
    }
    expect(Date.now() - started).toBeLessThan(5_000);

    const e = await createTenant({ tier: 'enterprise' });
    const user = await createUser(e.id);
    for (let i = 0; i < 3; i++) expect((await login(a, e, user.email, `wrong-password-${i}`)).status).toBe(401);
    expectRateLimited(await login(a, e, user.email, user.password));
    // B did not see A's failures while Redis was down
    expect((await login(b, e, user.email, user.password)).status).toBe(200);

    const metrics = (await request(a.getHttpServer()).get('/metrics').expect(200)).text;
    // on A: 7 hits and 4 logins (the login rate); the throttle asks twice per failed login
    // (check, record) and once for the refused one
    expect({
      rate: sample(metrics, 'shared_store_fallbacks_total', '{use="rate_limit"}')! - before.rate,
      login: sample(metrics, 'shared_store_fallbacks_total', '{use="login_throttle"}')! - before.login,
    }).toEqual({ rate: 7 + 4, login: 3 * 2 + 1 });
    expect(sample(metrics, 'shared_store_up')).toBe(0);
  });
});

describe('without REDIS_URL (the default) each instance counts alone', () => {
  let a: NestFastifyApplication;
  let b: NestFastifyApplication;

  beforeAll(async () => {
    a = await createTestApp({ env: LIMITS, extraModules: [ProbeModule] });
    b = await createTestApp({ env: LIMITS, extraModules: [ProbeModule] });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('gives the tenant the budget on each instance: twice it across two', async () => {
    const t = await createTenant({ tier: 'free' });
    const answers = await alternate([a, b], t, 12);
    expect(answers.filter((x) => x.res.status === 200)).toHaveLength(10);
    expect(answers.filter((x) => x.res.status === 200 && x.instance === 0)).toHaveLength(5);
    for (const { res } of answers.filter((x) => x.res.status !== 200)) expectRateLimited(res);
    const metrics = (await request(a.getHttpServer()).get('/metrics').expect(200)).text;
    expect(sample(metrics, 'shared_store_up')).toBeUndefined();
  });

  it('counts failed logins per instance', async () => {
    const t = await createTenant({ tier: 'enterprise' });
    const user = await createUser(t.id);
    // A sees failures 1, 3 and 5; B sees 2 and 4
    for (let i = 0; i < 5; i++) expect((await login(i % 2 ? b : a, t, user.email, `wrong-password-${i}`)).status).toBe(401);
    expectRateLimited(await login(a, t, user.email, user.password));
    expect((await login(b, t, user.email, user.password)).status).toBe(200);
  });
});
