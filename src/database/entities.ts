import { IdempotencyKeyEntity } from '../modules/provisioning/entities/idempotency-key.entity.js';
import { IntegrationEntity } from '../modules/registry/entities/integration.entity.js';
import { TenantEntity } from '../modules/tenant/entities/tenant.entity.js';

/** Every entity, once; DatabaseModule passes the list to both data sources. */
export const ENTITIES = [TenantEntity, IntegrationEntity, IdempotencyKeyEntity];
