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
  beforeEach(() => (clock = 1_000_000));

  it('locks the account at the limit until the window ends, with Retry-After', async () => {
    const t = make();
    for (let i = 0; i < 3; i++) {
      await t.check('acct', '1.1.1.1');
      await t.failed('acct', '1.1.1.1');
    }
    clock += 20_000;
    const err = await t.check('acct', '2.2.2.2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).headers).toEqual({ 'Retry-After': '40' });
    clock += 40_000;
    await expect(t.check('acct', '2.2.2.2')).resolves.toBeUndefined();
  });

  it('locks an address across accounts; 0 turns a limit off', async () => {
    const t = make(100, 2);
    await t.failed('x', '9.9.9.9');
    await t.failed('y', '9.9.9.9');
    await expect(t.check('z', '9.9.9.9')).rejects.toThrow(RateLimitedError);
    await expect(t.check('z', '8.8.8.8')).resolves.toBeUndefined();
    const off = make(0, 0);
    for (let i = 0; i < 50; i++) await off.failed('a', '1.1.1.1');
    await expect(off.check('a', '1.1.1.1')).resolves.toBeUndefined();
  });

  it('a success clears the account but not the address', async () => {
    const t = make(2, 3);
    await t.failed('a', 'ip');
    await t.succeeded('a');
    await t.failed('a', 'ip');
    await expect(t.check('a', 'other')).resolves.toBeUndefined();
    await t.failed('b', 'ip');
    await expect(t.check('c', 'ip')).rejects.toThrow(RateLimitedError);
  });

  it('when Redis fails, decides from its own counts (still locking) and reports the fallback', async () => {
    const fellBack: string[] = [];
    const failing = () => Promise.reject(new Error('Connection is closed.'));
    const client = { defineCommand: () => undefined, tenancyLoginBlockedFor: failing, tenancyLoginFailed: failing, del: failing };
    const redis = { client, fellBack: (use: string) => fellBack.push(use) } as unknown as RedisConnection;
    const t = new LoginThrottle(config(2, 10), redis);
    t.now = () => clock;
    await t.check('acct', '1.1.1.1');
    await t.failed('acct', '1.1.1.1');
    await t.failed('acct', '1.1.1.1');
    await expect(t.check('acct', '1.1.1.1')).rejects.toThrow(RateLimitedError);
    expect(fellBack).toEqual(['login_throttle', 'login_throttle', 'login_throttle', 'login_throttle']);
  });
});
