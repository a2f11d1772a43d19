import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createUser, tenantToken } from '../helpers/auth.js';
import { createTestApp } from '../helpers/create-app.js';
import { createTenant, setTenantStatus, type TestTenant } from '../helpers/factories.js';
import { ProbeModule } from '../helpers/probe.module.js';

/** Two service instances on one database, as behind a load balancer (docs/scaling.md). */
describe('two instances on one database', () => {
  const instances: NestFastifyApplication[] = [];
  const bases: string[] = [];
  let tenants: Array<TestTenant & { token: string }>;

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const app = await createTestApp({ extraModules: [ProbeModule], env: { TENANT_CACHE_TTL_MS: '0' } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      instances.push(app);
      bases.push((await app.getUrl()).replace('[::1]', '127.0.0.1'));
    }
    tenants = [];
    for (let i = 0; i < 20; i++) {
      const t = await createTenant();
      tenants.push({ ...t, token: tenantToken(instances[0], { tenantId: t.id, userId: (await createUser(t.id)).id, role: 'member' }) });
    }
  });
  afterAll(async () => {
    for (const app of instances) await app.close();
  });

  it('serve the same tenants correctly at the same time, and see each other’s writes', async () => {
    let checked = 0;
    const wrong: string[] = [];
    // 400 requests, alternating instances, 40 in flight; a token signed by one instance works on the other
    // tenant k writes through instance k % 2 in the first and fifth rounds; the check below reads via the other
    const jobs = [...Array(400)].map((_, i) => ({ i, base: bases[i % 2], tenant: tenants[i % tenants.length] }));
    let next = 0;
    await Promise.all(
      [...Array(40)].map(async () => {
        while (next < jobs.length) {
          const { i, base, tenant } = jobs[next++];
          if (Math.floor(i / tenants.length) % 4 === 0) {
            const res = await fetch(`${base}/probe/write/scale-${tenant.id}-${i}`, { method: 'POST', headers: { 'X-Tenant-ID': tenant.id } });
            await res.arrayBuffer();
            if (res.status >= 300) wrong.push(`#${i} write ${res.status}`);
            continue;
          }
          const res = await fetch(`${base}/v1/tenant`, { headers: { Authorization: `Bearer ${tenant.token}` } });
          const body = (await res.json()) as { id?: string };
          checked++;
          if (res.status !== 200 || body.id !== tenant.id) wrong.push(`#${i} ${base} ${res.status} ${body.id} for ${tenant.id}`);
        }
      }),
    );
    expect(checked).toBe(300);
    expect(wrong).toEqual([]);

    // each instance sees what the other committed, and only its own tenant's rows
    for (const [k, tenant] of tenants.entries()) {
      const res = await fetch(`${bases[(k + 1) % 2]}/probe/whoami`, { headers: { 'X-Tenant-ID': tenant.subdomain } });
      const body = (await res.json()) as { tenants: string[]; audit_tenants: string[] };
      expect(body.tenants).toEqual([tenant.id]);
      expect(body.audit_tenants).toEqual([tenant.id]);
    }
  });

  it('share tenant state through the database: a suspension is seen by both (cache TTL 0 here)', async () => {
    const [tenant] = tenants;
    await setTenantStatus(tenant.id, 'suspended');
    try {
      for (const base of bases) {
        const res = await fetch(`${base}/v1/tenant`, { headers: { Authorization: `Bearer ${tenant.token}` } });
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe('tenant_suspended');
      }
    } finally {
      await setTenantStatus(tenant.id, 'active');
    }
  });
});
