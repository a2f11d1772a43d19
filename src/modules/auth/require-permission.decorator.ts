import { SetMetadata } from '@nestjs/common';
import type { Permission } from './permissions.js';

export const REQUIRED_PERMISSIONS = 'tenancy:permissions';

/**
 * The route needs every one of these permissions of its scope (see permissions.ts). With none,
 * any role of the scope may call it: on a platform route that replaces the default by method
 * (defaultPlatformPermissions).
 */
export const RequirePermission = (...permissions: Permission[]) =>
  SetMetadata(REQUIRED_PERMISSIONS, permissions);
