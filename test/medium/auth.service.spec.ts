import type { INestApplicationContext } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { requestContext } from '../../src/common/request-context.js';
import { InvalidCredentialsError, InvalidRefreshTokenError } from '../../src/modules/auth/auth.errors.js';
import { AuthService } from '../../src/modules/auth/auth.service.js';
import { UsersService } from '../../src/modules/auth/users.service.js';
import { TenantMismatchError, TenantSuspendedError } from '../../src/modules/tenant/tenant.errors.js';
import { createUser, type TestUser } from '../helpers/auth.js';
import { asPlatform } from '../helpers/db.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';
import { createMediumContext, inTenant, rejection, tenantPrincipal } from '../helpers/medium.js';

// AuthService and UsersService on the suite's database, without HTTP (test/helpers/medium.ts).

const tokensOf = (userId: string) =>
  asPlatform(async (sql) => (await sql.query(
    `SELECT family_id, used_at IS NOT NULL AS used, revoked_at IS NOT NULL AS revoked
       FROM refresh_tokens WHERE user_id = $1 ORDER BY created_at, used_at NULLS LAST`, [userId])).rows);
const auditOf = (tenantId: string, actions: string[]) =>
  asPlatform(async (sql) => (await sql.query(
    `SELECT action, target_id, detail->>'reason' AS reason FROM audit_logs
      WHERE tenant_id = $1 AND action = ANY($2) ORDER BY created_at`, [tenantId, actions])).rows);

describe('AuthService and UsersService (medium: real database, no HTTP)', () => {
  let ctx: INestApplicationContext;
  let auth: AuthService;
  let a: TestTenant;
  let b: TestTenant;
  let ua: TestUser;
  let ub: TestUser;

  const login = (tenant: TestTenant, email: string, password: string) =>
    inTenant(ctx, tenant.id, undefined, () => auth.login(email, password));
  // refresh opens its own tenant transaction, named by the token's prefix
  const refresh = (token: string, sources: { header?: string; host?: string } = {}) =>
    requestContext.run({ requestId: `medium-${randomUUID()}` }, () => auth.refresh(token, sources));

  beforeAll(async () => {
    // no tenant cache: a status changed in SQL is what the next resolution sees
    ctx = await createMediumContext({ TENANT_CACHE_TTL_MS: '0' });
    auth = ctx.get(AuthService);
    a = await createTenant();
    b = await createTenant();
    ua = await createUser(a.id, { role: 'admin', email: 'same@example.test' });
    ub = await createUser(b.id, { role: 'admin', email: 'same@example.test' });
  });
  afterAll(() => ctx.close());

  it('logs in: one live refresh token of a new family and one audit entry', async () => {
    const user = await createUser(a.id);
    const tokens = await login(a, user.email, user.password);
    expect(tokens).toEqual({ accessToken: expect.any(String), refreshToken: expect.stringMatching(new RegExp(`^${a.id}\\.`)), tokenType: 'Bearer', expiresIn: 900 });
    expect(await tokensOf(user.id)).toEqual([{ family_id: expect.any(String), used: false, revoked: false }]);
    expect((await auditOf(a.id, ['auth.login', 'auth.login_failed'])).filter((r) => r.target_id === user.id))
      .toEqual([{ action: 'auth.login', target_id: user.id, reason: null }]);
  });

  it('a failed login rolls back, issues nothing, and keeps only its audit entry', async () => {
    const user = await createUser(a.id);
    expect(await rejection(login(a, user.email, 'wrong-password-xx'))).toBeInstanceOf(InvalidCredentialsError);
    expect(await tokensOf(user.id)).toEqual([]);
    expect((await auditOf(a.id, ['auth.login', 'auth.login_failed'])).filter((r) => r.target_id === user.id))
      .toEqual([{ action: 'auth.login_failed', target_id: user.id, reason: 'wrong_password' }]);
  });

  it("a tenant's context finds only its own users: B's credentials do not log in to A", async () => {
    // the same email in both tenants: each context finds its own row
    expect(await rejection(login(a, ub.email, ub.password))).toBeInstanceOf(InvalidCredentialsError);
    expect(await tokensOf(ub.id)).toEqual([]);
    const users = ctx.get(UsersService);
    const listed = await inTenant(ctx, a.id, tenantPrincipal(a.id, ua.id), () => users.list({ limit: 100 }));
    expect(listed.items.map((u) => u.id).sort()).toEqual(await asPlatform(async (sql) =>
      (await sql.query('SELECT id FROM users WHERE tenant_id = $1 ORDER BY id', [a.id])).rows.map((r) => r.id)));
    // B's user cannot be changed or removed from A's context
    const asA = tenantPrincipal(a.id, ua.id);
    expect(await rejection(inTenant(ctx, a.id, asA, () => users.update(ub.id, { status: 'disabled' } as never)))).toMatchObject({ status: 404 });
    expect(await rejection(inTenant(ctx, a.id, asA, () => users.remove(ub.id)))).toMatchObject({ status: 404 });
    expect(await asPlatform(async (sql) => (await sql.query('SELECT status FROM users WHERE id = $1', [ub.id])).rows)).toEqual([{ status: 'active' }]);
  });

  it('rotates a refresh token, and a reused one revokes its whole family', async () => {
    const user = await createUser(a.id);
    const first = await login(a, user.email, user.password);
    const second = await refresh(first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    const [row] = await tokensOf(user.id);
    expect(await tokensOf(user.id)).toEqual([
      { family_id: row.family_id, used: true, revoked: false },
      { family_id: row.family_id, used: false, revoked: false },
    ]);
    // the used token again: refused, and every token of the family revoked (committed)
    expect(await rejection(refresh(first.refreshToken))).toBeInstanceOf(InvalidRefreshTokenError);
    expect(await tokensOf(user.id)).toEqual([
      { family_id: row.family_id, used: true, revoked: true },
      { family_id: row.family_id, used: false, revoked: true },
    ]);
    expect(await auditOf(a.id, ['auth.refresh_reuse']).then((r) => r.filter((x) => x.target_id === user.id)))
      .toEqual([{ action: 'auth.refresh_reuse', target_id: user.id, reason: null }]);
    // the newest token of the family is dead too
    expect(await rejection(refresh(second.refreshToken))).toBeInstanceOf(InvalidRefreshTokenError);
  });

  it('refuses a refresh token under another tenant: moved to B, named with B, or for a suspended tenant', async () => {
    const user = await createUser(a.id);
    const { refreshToken } = await login(a, user.email, user.password);
    // the prefix moved to B: the hash covers it, so it matches nothing (and uses nothing up)
    expect(await rejection(refresh(`${b.id}.${refreshToken.slice(a.id.length + 1)}`))).toBeInstanceOf(InvalidRefreshTokenError);
    // a header naming B disagrees with the token's tenant
    expect(await rejection(refresh(refreshToken, { header: b.id }))).toBeInstanceOf(TenantMismatchError);
    expect(await rejection(refresh(refreshToken, { host: `${b.subdomain}.localtest.me` }))).toBeInstanceOf(TenantMismatchError);
    expect(await tokensOf(user.id)).toEqual([{ family_id: expect.any(String), used: false, revoked: false }]);
    await setTenantStatus(a.id, 'suspended');
    try {
      expect(await rejection(refresh(refreshToken))).toBeInstanceOf(TenantSuspendedError);
    } finally {
      await setTenantStatus(a.id, 'active');
    }
    // suspension revoked the tenant's tokens (0005): they stay dead after reactivation
    expect(await tokensOf(user.id)).toEqual([{ family_id: expect.any(String), used: false, revoked: true }]);
    expect(await rejection(refresh(refreshToken, { header: a.subdomain }))).toBeInstanceOf(InvalidRefreshTokenError);
  });
});
