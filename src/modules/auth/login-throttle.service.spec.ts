import { RateLimitedError } from '../../common/errors.js';
import type { AppConfig } from '../../config/app-config.js';
import { LoginThrottle } from './login-throttle.service.js';

describe('LoginThrottle', () => {
  let clock = 0;
  const make = (account = 3, ip = 5) => {
    const t = new LoginThrottle({ loginLimits: { maxFailuresPerAccount: account, maxFailuresPerIp: ip, windowSeconds: 60 } } as AppConfig);
    t.now = () => clock;
    return t;
  };
  beforeEach(() => (clock = 1_000_000));

  it('locks the account at the limit until the window ends, with Retry-After', () => {
    const t = make();
    for (let i = 0; i < 3; i++) {
      expect(() => t.check('acct', '1.1.1.1')).not.toThrow();
      t.failed('acct', '1.1.1.1');
    }
    clock += 20_000;
    let err: unknown;
    try {
      t.check('acct', '2.2.2.2');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).headers).toEqual({ 'Retry-After': '40' });
    clock += 40_000;
    expect(() => t.check('acct', '2.2.2.2')).not.toThrow();
  });

  it('locks an address across accounts; 0 turns a limit off', () => {
    const t = make(100, 2);
    t.failed('x', '9.9.9.9');
    t.failed('y', '9.9.9.9');
    expect(() => t.check('z', '9.9.9.9')).toThrow(RateLimitedError);
    expect(() => t.check('z', '8.8.8.8')).not.toThrow();
    const off = make(0, 0);
    for (let i = 0; i < 50; i++) off.failed('a', '1.1.1.1');
    expect(() => off.check('a', '1.1.1.1')).not.toThrow();
  });

  it('a success clears the account but not the address', () => {
    const t = make(2, 3);
    t.failed('a', 'ip');
    t.succeeded('a');
    t.failed('a', 'ip');
    expect(() => t.check('a', 'other')).not.toThrow();
    t.failed('b', 'ip');
    expect(() => t.check('c', 'ip')).toThrow(RateLimitedError);
  });
});
