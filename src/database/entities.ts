import { AuditLogEntity } from '../modules/auth/entities/audit-log.entity.js';
import { PlatformAdminEntity } from '../modules/auth/entities/platform-admin.entity.js';
import { PlatformAuditLogEntity } from '../modules/auth/entities/platform-audit-log.entity.js';
import { PlatformRefreshTokenEntity } from '../modules/auth/entities/platform-refresh-token.entity.js';
import { RefreshTokenEntity } from '../modules/auth/entities/refresh-token.entity.js';
import { UserEntity } from '../modules/auth/entities/user.entity.js';
import { IdempotencyKeyEntity } from '../modules/provisioning/entities/idempotency-key.entity.js';
import { IntegrationEntity } from '../modules/registry/entities/integration.entity.js';
import { ResourceShareEntity } from '../modules/sharing/entities/resource-share.entity.js';
import { ResourceEntity } from '../modules/sharing/entities/resource.entity.js';
import { TenantEntity } from '../modules/tenant/entities/tenant.entity.js';
import { PasswordResetEntity } from '../modules/auth/entities/password-reset.entity.js';

/** Every table's entity, once; DatabaseModule passes the list to both data sources. */
export const ENTITIES = [
  // tenant
  TenantEntity,
  // auth
  UserEntity,
  RefreshTokenEntity,
  PlatformAdminEntity,
  PlatformRefreshTokenEntity,
  AuditLogEntity,
  PlatformAuditLogEntity,
  PasswordResetEntity,
  // sharing
  ResourceEntity,
  ResourceShareEntity,
  // registry
  IntegrationEntity,
  // provisioning
  IdempotencyKeyEntity,
];
