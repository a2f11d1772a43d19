import { RateLimitedError } from '../../common/errors.js';
import type { RedisConnection } from '../../common/redis-connection.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginThrottle } from './login-throttle.service.js';

describe('LoginThrottle', () => {
  let clock = 0;
  const config = (account: number, ip: number) =>
    ({ loginLimits: { maxFailuresPerAccount: account, maxFailuresPerIp: ip, windowSeconds: 60 } }) as AppConfig;
  const make = (account = 3, ip = 5) => {
    const t = new LoginThrottle(config(account, ip));
    t.now = () => clock;
    return t;
  };
  /** one login attempt with a wrong password, as AuthService makes it */
  const fail = async (t: LoginThrottle, account: string, ip: string) => {
    await t.check(account, ip);
    await t.failed(account, ip);
  };
  beforeEach(() => (clock = 1_000_000));

  it('locks the account at the limit until the window ends, with Retry-After', async () => {
    const t = make();
    for (let i = 0; i < 3; i++) await fail(t, 'acct', '1.1.1.1');
    clock += 20_000;
    const err = await t.check('acct', '2.2.2.2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).headers).toEqual({ 'Retry-After': '40' });
    clock += 40_000;
    await expect(t.check('acct', '2.2.2.2')).resolves.toBeUndefined();
  });

  it('lets exactly the limit of parallel attempts on one account through', async () => {
    const t = make(3, 100);
    const outcomes = await Promise.allSettled([...Array(10)].map(() => t.check('acct', '1.1.1.1')));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      expect((o as PromiseRejectedResult).reason).toBeInstanceOf(RateLimitedError);
    }
  });

  it('locks an address across accounts after failures only; 0 turns a limit off', async () => {
    const t = make(100, 2);
    await t.check('ok', '9.9.9.9');
    await t.succeeded('ok');
    await fail(t, 'x', '9.9.9.9');
    await t.check('z', '9.9.9.9');
    await t.failed('z', '9.9.9.9');
    await expect(t.check('y', '9.9.9.9')).rejects.toThrow(RateLimitedError);
    await expect(t.check('y', '8.8.8.8')).resolves.toBeUndefined();
    const off = make(0, 0);
    for (let i = 0; i < 50; i++) await fail(off, 'a', '1.1.1.1');
    await expect(off.check('a', '1.1.1.1')).resolves.toBeUndefined();
  });

  it('a success clears the account but not the address', async () => {
    const t = make(2, 3);
    await fail(t, 'a', 'ip');
    await t.check('a', 'ip');
    await t.succeeded('a');
    await fail(t, 'a', 'ip');
    await expect(t.check('a', 'other')).resolves.toBeUndefined();
    await fail(t, 'b', 'ip');
    await expect(t.check('c', 'ip')).rejects.toThrow(RateLimitedError);
  });

  it('when Redis fails, decides from its own counts (still locking) and reports the fallback', async () => {
    const fellBack: string[] = [];
    const failing = () => Promise.reject(new Error('Connection is closed.'));
    const client = { defineCommand: () => undefined, tenancyLoginAttempt: failing, tenancyLoginFailed: failing, del: failing };
    const redis = { client, usable: true, fellBack: (use: string) => fellBack.push(use) } as unknown as RedisConnection;
    const t = new LoginThrottle(config(2, 10), redis);
    t.now = () => clock;
    await fail(t, 'acct', '1.1.1.1');
    await fail(t, 'acct', '1.1.1.1');
    await expect(t.check('acct', '1.1.1.1')).rejects.toThrow(RateLimitedError);
    expect(fellBack).toEqual(Array(5).fill('login_throttle'));
  });
});
