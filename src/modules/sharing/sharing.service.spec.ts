import { randomUUID } from 'node:crypto';
import { requestContext } from '../../common/request-context.js';
import type { AuditService } from '../auth/audit.service.js';
import type { TenantService } from '../tenant/tenant.service.js';
import { SharingService } from './sharing.service.js';
import type { ResourceView, SharingRepository } from './sharing.repository.js';

// The service only chooses answers; the database enforces the rule (test/rls, test/e2e). These
// specs pin the choices with a fake repository.
const ME = randomUUID();
const OTHER = randomUUID();

function view(owned: boolean, mode: ResourceView['sharing']['mode'] = 'private'): ResourceView {
  return {
    id: randomUUID(), ownerTenantId: owned ? ME : OTHER, owned, kind: 'agent', name: 'n', content: {},
    sharing: { mode }, createdAt: '', updatedAt: '',
  };
}

function setup(opts: { type?: string; role?: string; known?: Record<string, string>; found?: ResourceView | null } = {}) {
  const calls: string[] = [];
  const repo = {
    resolveTenants: async (keys: string[]) => new Map(keys.map((k) => [k, opts.known?.[k] ?? null])),
    findVisible: async () => (opts.found === undefined ? view(true) : opts.found),
    insert: async () => { calls.push('insert'); return randomUUID(); },
    setMode: async (_id: string, mode: string) => { calls.push(`mode ${mode}`); return 1; },
    replaceShares: async (_id: string, grantees: string[]) => { calls.push(`shares ${grantees.join(',')}`); },
    update: async () => { calls.push('update'); return 1; },
    delete: async () => { calls.push('delete'); return 1; },
  } as unknown as SharingRepository;
  const audit = { record: async () => undefined } as unknown as AuditService;
  const tenants = { current: async () => ({ id: ME, type: opts.type ?? 'client' }) } as unknown as TenantService;
  const service = new SharingService(repo, audit, tenants);
  const principal = { scope: 'tenant' as const, subject: randomUUID(), tenantId: ME, role: opts.role ?? 'admin', tokenId: 't' };
  const inTenant = <T>(fn: () => Promise<T>) => requestContext.run({ requestId: 'r', tenantId: ME, principal }, fn);
  return { service, calls, inTenant };
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: { status: number; code: string }) => `${e.status} ${e.code}`);

describe('SharingService', () => {
  it('refuses a global publish by a non-platform tenant before writing (403)', async () => {
    const { service, calls, inTenant } = setup({ type: 'client' });
    expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {}, sharing: { mode: 'global' } })))).toBe('403 forbidden');
    expect(await inTenant(() => codeOf(service.setSharing(randomUUID(), { mode: 'global' })))).toBe('403 forbidden');
    expect(calls).toEqual([]);
  });

  it('refuses a member a sharing other than private at creation, before reading or writing (403)', async () => {
    for (const type of ['client', 'platform']) {
      const { service, calls, inTenant } = setup({ type, role: 'member', known: { acme: OTHER } });
      for (const sharing of [{ mode: 'selective' as const, tenants: ['acme'] }, { mode: 'selective' as const }, { mode: 'global' as const }]) {
        expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {}, sharing })))).toBe('403 forbidden');
      }
      expect(calls).toEqual([]);
      // private is a member's to create
      expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {}, sharing: { mode: 'private' } })))).toBe('ok');
      expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {} })))).toBe('ok');
    }
  });

  it('lets an admin share at creation', async () => {
    const { service, calls, inTenant } = setup({ type: 'platform', known: { acme: OTHER } });
    expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {}, sharing: { mode: 'selective', tenants: ['acme'] } })))).toBe('ok');
    expect(await inTenant(() => codeOf(service.create({ kind: 'agent', name: 'n', content: {}, sharing: { mode: 'global' } })))).toBe('ok');
    expect(calls).toEqual(['insert', `shares ${OTHER}`, 'insert']);
  });

  it('lets a platform tenant publish globally', async () => {
    const { service, calls, inTenant } = setup({ type: 'platform' });
    expect(await inTenant(() => codeOf(service.setSharing(randomUUID(), { mode: 'global' })))).toBe('ok');
    expect(calls).toEqual(['mode global', 'shares ']);
  });

  it('answers 400 for unknown grantees, naming each, and writes nothing', async () => {
    const { service, calls, inTenant } = setup({ known: { acme: OTHER } });
    const err = await inTenant(() => service.setSharing(randomUUID(), { mode: 'selective', tenants: ['acme', 'nope', 'gone'] }).catch((e) => e));
    expect(err).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(err.fieldErrors.map((f: { field: string }) => f.field)).toEqual(['tenants.1', 'tenants.2']);
    expect(calls).toEqual([]);
  });

  it('drops the own tenant and duplicates from the grantees', async () => {
    const { service, calls, inTenant } = setup({ known: { acme: OTHER, [OTHER]: OTHER, me: ME } });
    await inTenant(() => service.setSharing(randomUUID(), { mode: 'selective', tenants: ['acme', OTHER, 'me'] }));
    expect(calls).toEqual(['mode selective', `shares ${OTHER}`]);
  });

  it('refuses tenants with a mode other than selective', async () => {
    const { service, inTenant } = setup({ type: 'platform', known: { acme: OTHER } });
    for (const mode of ['private', 'global'] as const) {
      expect(await inTenant(() => codeOf(service.setSharing(randomUUID(), { mode, tenants: ['acme'] })))).toBe('400 validation_failed');
    }
  });

  it('404 for an invisible resource, 403 for a visible one owned by another tenant', async () => {
    for (const [found, expected] of [[null, '404 resource_not_found'], [view(false, 'global'), '403 forbidden']] as const) {
      const { service, calls, inTenant } = setup({ found });
      expect(await inTenant(() => codeOf(service.update(randomUUID(), { name: 'x' })))).toBe(expected);
      expect(await inTenant(() => codeOf(service.delete(randomUUID())))).toBe(expected);
      expect(await inTenant(() => codeOf(service.setSharing(randomUUID(), { mode: 'private' })))).toBe(expected);
      expect(calls).toEqual([]);
    }
  });
});
