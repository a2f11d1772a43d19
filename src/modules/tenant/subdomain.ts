/** Names that never resolve to a tenant and can never be registered. */
export const RESERVED_SUBDOMAINS: ReadonlySet<string> = new Set([
  'www', 'api', 'admin', 'app', 'platform', 'staging', 'static', 'docs', 'mail', 'smtp', 'imap',
  'pop', 'ftp', 'cdn', 'assets', 'auth', 'login', 'sso', 'status', 'support', 'help', 'blog',
  'dev', 'test', 'demo-admin', 'internal', 'root', 'system', 'dashboard', 'console', 'billing',
  'metrics', 'health', 'ns1', 'ns2', 'mx', 'webmail', 'portal', 'beta', 'localhost',
]);

const FORMAT = /^[a-z0-9](?:[a-z0-9-]{1,48})[a-z0-9]$/;

/** Trims and lower-cases a subdomain as given by a client. */
export function normaliseSubdomain(raw: string): string {
  return raw.trim().toLowerCase();
}

export type SubdomainProblem = 'format' | 'reserved';

/** Why a (normalised) subdomain cannot be a tenant's, or undefined when it can. */
export function subdomainProblem(subdomain: string): SubdomainProblem | undefined {
  if (!FORMAT.test(subdomain)) return 'format';
  if (RESERVED_SUBDOMAINS.has(subdomain)) return 'reserved';
  return undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The tenant subdomain of a Host header under `baseDomain`, or undefined. */
export function subdomainFromHost(host: string | undefined, baseDomain: string): string | undefined {
  if (!host) return undefined;
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  return label && !label.includes('.') ? label : undefined;
}
