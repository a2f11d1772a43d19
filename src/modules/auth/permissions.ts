/** Tenant roles, and what each may do: the one place roles map to permissions. */
export const TENANT_ROLES = ['admin', 'member', 'read_only'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];
export const PLATFORM_ROLE = 'platform_admin';

export const PERMISSIONS = [
  'tenant:read',
  'tenant:manage',
  'users:manage',
  'resources:read',
  'resources:write',
  'resources:share',
  'integrations:manage',
  'audit:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const ROLE_PERMISSIONS: Record<TenantRole, readonly Permission[]> = {
  admin: PERMISSIONS,
  member: ['tenant:read', 'resources:read', 'resources:write'],
  read_only: ['tenant:read', 'resources:read'],
};

export function permissionsFor(role: string): readonly Permission[] {
  return ROLE_PERMISSIONS[role as TenantRole] ?? [];
}

export function hasPermissions(role: string, wanted: readonly Permission[]): boolean {
  const granted = permissionsFor(role);
  return wanted.every((p) => granted.includes(p));
}
