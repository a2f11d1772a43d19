import { isUuid, normaliseSubdomain, subdomainFromHost, subdomainProblem } from './subdomain.js';

describe('subdomain rules', () => {
  it.each([
    ['acme', undefined],
    ['a1-b2', undefined],
    ['ab', 'format'],
    ['-acme', 'format'],
    ['acme-', 'format'],
    ['ac_me', 'format'],
    ['a'.repeat(50), undefined],
    ['a'.repeat(51), 'format'],
    ['www', 'reserved'],
    ['admin', 'reserved'],
    ['docs', 'reserved'],
  ])('%s → %s', (name, problem) => {
    expect(subdomainProblem(name)).toBe(problem);
  });

  it('normalises case and whitespace', () => {
    expect(normaliseSubdomain('  AcMe ')).toBe('acme');
  });

  it('takes the tenant label of a Host under the base domain only', () => {
    expect(subdomainFromHost('acme.localtest.me', 'localtest.me')).toBe('acme');
    expect(subdomainFromHost('ACME.LocalTest.me:8080', 'localtest.me')).toBe('acme');
    expect(subdomainFromHost('localtest.me', 'localtest.me')).toBeUndefined();
    expect(subdomainFromHost('a.b.localtest.me', 'localtest.me')).toBeUndefined();
    expect(subdomainFromHost('acme.evil.me', 'localtest.me')).toBeUndefined();
    expect(subdomainFromHost(undefined, 'localtest.me')).toBeUndefined();
  });

  it('recognises uuids', () => {
    expect(isUuid('8c2b1a4e-1f2d-4c3b-9a8e-7d6c5b4a3f2e')).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
  });
});
