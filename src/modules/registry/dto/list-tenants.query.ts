import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../../common/paging.js';
import {
  TENANT_SORTS,
  TENANT_STATUSES,
  TENANT_TIERS,
  TENANT_TYPES,
  type TenantSort,
  type TenantStatus,
  type TenantTier,
  type TenantType,
} from '../../tenant/dto/tenant-fields.js';

export class ListTenantsQuery extends PageQuery {
  @IsOptional() @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @IsOptional() @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @IsOptional() @IsIn(TENANT_TYPES)
  type?: TenantType;

  /** case-insensitive search in company name and subdomain */
  @IsOptional() @IsString() @Length(1, 100)
  q?: string;

  @IsOptional() @IsIn(TENANT_SORTS)
  sort?: TenantSort;
}

export class PlatformAuditQuery extends PageQuery {
  @IsOptional() @IsUUID()
  tenantId?: string;

  @IsOptional() @IsString() @Matches(/^[a-z][a-z0-9_.]{1,63}$/)
  action?: string;
}

export class TenantAuditQuery extends PageQuery {
  @IsOptional() @IsString() @Matches(/^[a-z][a-z0-9_.]{1,63}$/)
  action?: string;
}
