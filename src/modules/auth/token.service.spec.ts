import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { UnauthorizedError } from '../../common/errors.js';
import type { AppConfig } from '../../config/app-config.js';
import { TokenService } from './token.service.js';

const config = {
  jwt: {
    algorithm: 'HS256',
    secret: 'unit-test-secret-that-is-long-enough-0123456789',
    issuer: 'tenancy-service',
    audience: 'tenancy-api',
    accessTtlSeconds: 60,
  },
} as unknown as AppConfig;

const principal = { scope: 'tenant' as const, subject: 'u1', tenantId: 't1', subdomain: 'acme', role: 'member' };

// verifyAccess remembers the tokens it has verified (token.service.ts); what it remembers must
// never outlive the token or stand in for another one.
describe('TokenService.verifyAccess, verified tokens remembered', () => {
  const tokens = () => new TokenService(new JwtService({}), config);
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('answers a token verified before with the same principal, a copy each time', () => {
    const s = tokens();
    const token = s.signAccess(principal);
    const first = s.verifyAccess(token);
    expect(first).toMatchObject(principal);
    first.role = 'admin'; // a caller changing its copy changes nothing remembered
    expect(s.verifyAccess(token)).toEqual({ ...first, role: 'member' });
  });

  it('refuses a remembered token once its exp has passed', () => {
    const s = tokens();
    const token = s.signAccess(principal);
    expect(s.verifyAccess(token).subject).toBe('u1');
    const later = Date.now() + (config.jwt.accessTtlSeconds + 1) * 1000;
    jest.spyOn(Date, 'now').mockReturnValue(later);
    expect(() => s.verifyAccess(token)).toThrow(UnauthorizedError);
    expect(() => s.verifyAccess(token)).toThrow(UnauthorizedError); // and not remembered again
  });

  it('refuses a token that differs from a remembered one in one character', () => {
    const s = tokens();
    const token = s.signAccess(principal);
    s.verifyAccess(token);
    const [h, p, sig] = token.split('.');
    const flipped = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    expect(() => s.verifyAccess(`${h}.${p}.${flipped}`)).toThrow(UnauthorizedError);
    expect(() => s.verifyAccess(`${token}x`)).toThrow(UnauthorizedError);
  });

  it('refuses what another instance with another secret signed, whatever this one remembers', () => {
    const other = new TokenService(new JwtService({}), { jwt: { ...config.jwt, secret: 'another-secret-that-is-long-enough-012345678' } } as unknown as AppConfig);
    const s = tokens();
    s.verifyAccess(s.signAccess(principal));
    expect(() => s.verifyAccess(other.signAccess(principal))).toThrow(UnauthorizedError);
  });
});
