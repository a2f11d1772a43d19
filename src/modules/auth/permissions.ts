/** Tenant and platform roles, and what each may do: the one place roles map to permissions. */
export const TENANT_ROLES = ['admin', 'member', 'read_only'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Platform admins' roles (platform_admins.role, 0032); the token's `role` claim in platform scope. */
export const PLATFORM_ROLES = ['owner', 'operator', 'viewer'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

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

/**
 * Platform scope: `platform:read` every read, `platform:write` changes to tenants and shared
 * resources (and their users' password resets), `platform_admins:manage` the platform admins.
 */
export const PLATFORM_PERMISSIONS = ['platform:read', 'platform:write', 'platform_admins:manage'] as const;

export type TenantPermission = (typeof PERMISSIONS)[number];
export type PlatformPermission = (typeof PLATFORM_PERMISSIONS)[number];
export type Permission = TenantPermission | PlatformPermission;

const ROLE_PERMISSIONS: Record<TenantRole, readonly TenantPermission[]> = {
  admin: PERMISSIONS,
  member: ['tenant:read', 'resources:read', 'resources:write'],
  read_only: ['tenant:read', 'resources:read'],
};

const PLATFORM_ROLE_PERMISSIONS: Record<PlatformRole, readonly PlatformPermission[]> = {
  owner: PLATFORM_PERMISSIONS,
  operator: ['platform:read', 'platform:write'],
  viewer: ['platform:read'],
};

/** A tenant role's permissions (none for anything else). */
export function permissionsFor(role: string): readonly TenantPermission[] {
  return Object.hasOwn(ROLE_PERMISSIONS, role) ? ROLE_PERMISSIONS[role as TenantRole] : [];
}

/** A platform role's permissions (none for anything else). */
export function platformPermissionsFor(role: string): readonly PlatformPermission[] {
  return Object.hasOwn(PLATFORM_ROLE_PERMISSIONS, role) ? PLATFORM_ROLE_PERMISSIONS[role as PlatformRole] : [];
}

/** Whether a tenant role holds every one of `wanted`. */
export function hasPermissions(role: string, wanted: readonly Permission[], scope: 'tenant' | 'platform' = 'tenant'): boolean {
  const granted: readonly Permission[] = scope === 'tenant' ? permissionsFor(role) : platformPermissionsFor(role);
  return wanted.every((p) => granted.includes(p));
}

/**
 * What a platform route that declares no permission needs, so that a route added without one is
 * closed to viewers: reading (GET) needs `platform:read`, any other method `platform:write`.
 */
export function defaultPlatformPermissions(method: string): readonly PlatformPermission[] {
  return method === 'GET' || method === 'HEAD' ? ['platform:read'] : ['platform:write'];
}
