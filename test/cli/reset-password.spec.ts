import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { createPlatformAdmin, createUser } from '../helpers/auth.js';
import { runCli } from '../helpers/cli.js';
import { createTestApp } from '../helpers/create-app.js';
import { asPlatform } from '../helpers/db.js';
import { createTenant } from '../helpers/factories.js';

describe('npm run users:reset-password (child process)', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());
  const http = () => request(app.getHttpServer());

  const tenantLogin = (subdomain: string, email: string, password: string) =>
    http().post('/v1/auth/login').set('X-Tenant-ID', subdomain).send({ email, password });

  it('a tenant user: the new password (NEW_PASSWORD) works, the old one and its refresh tokens do not; audited', async () => {
    const t = await createTenant();
    const user = await createUser(t.id, { role: 'member' });
    const session = (await tenantLogin(t.subdomain, user.email, user.password).expect(200)).body;

    const run = await runCli('reset-password', ['--tenant', t.subdomain, '--email', user.email.toUpperCase()], {
      env: { NEW_PASSWORD: 'a-brand-new-password-1' },
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`password of ${user.email} in tenant ${t.subdomain} reset; 1 refresh token(s) revoked`);
    expect(run.stdout).not.toContain('a-brand-new-password-1'); // given, so never printed

    await tenantLogin(t.subdomain, user.email, user.password).expect(401);
    await http().post('/v1/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    await tenantLogin(t.subdomain, user.email, 'a-brand-new-password-1').expect(200);

    const audit = await asPlatform(async (sql) =>
      (await sql.query(
        `SELECT actor_id, detail FROM audit_logs WHERE tenant_id = $1 AND action = 'user.password_reset' AND target_id = $2`,
        [t.id, user.id],
      )).rows);
    expect(audit).toEqual([{ actor_id: null, detail: { email: user.email, via: 'cli', revokedRefreshTokens: 1 } }]);
  });

  it('without a given password, generates one and prints it once; a weak one is refused', async () => {
    const t = await createTenant();
    const user = await createUser(t.id);
    const weak = await runCli('reset-password', ['--tenant', t.subdomain, '--email', user.email], { env: { NEW_PASSWORD: 'short' } });
    expect(weak.code).toBe(2);
    expect(weak.stderr).toContain('does not meet the policy');
    await tenantLogin(t.subdomain, user.email, user.password).expect(200); // unchanged

    const run = await runCli('reset-password', ['--tenant', t.subdomain, '--email', user.email]);
    expect(run.code).toBe(0);
    const generated = /new password \(shown once\): (\S+)/.exec(run.stdout)?.[1];
    expect(generated).toBeDefined();
    await tenantLogin(t.subdomain, user.email, generated!).expect(200);

    const unknown = await runCli('reset-password', ['--tenant', t.subdomain, '--email', 'nobody@example.test']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no user nobody@example.test in tenant ${t.subdomain}`);
  });

  it('a platform admin (password on stdin): new password works, old refresh tokens fail; audited', async () => {
    const admin = await createPlatformAdmin();
    const login = (password: string) => http().post('/v1/platform/auth/login').send({ email: admin.email, password });
    const session = (await login(admin.password).expect(200)).body;

    const run = await runCli('reset-password', ['--platform', '--email', admin.email, '--password-stdin'], {
      input: 'platform-new-password-2\n',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`password of platform admin ${admin.email} reset; 1 refresh token(s) revoked`);

    await login(admin.password).expect(401);
    await http().post('/v1/platform/auth/refresh').send({ refreshToken: session.refreshToken }).expect(401);
    await login('platform-new-password-2').expect(200);
    const audit = await asPlatform(async (sql) =>
      (await sql.query(
        `SELECT detail FROM platform_audit_logs WHERE action = 'platform_admin.password_reset' AND target_id = $1`,
        [admin.id],
      )).rows);
    expect(audit).toEqual([{ detail: { email: admin.email, via: 'cli', revokedRefreshTokens: 1 } }]);
  });
});
