import { ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiPropertyOptional({ enum: TENANT_STATUSES })
  @IsOptional() @IsIn(TENANT_STATUSES)
  status?: TenantStatus;

  @ApiPropertyOptional({ enum: TENANT_TIERS })
  @IsOptional() @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({ enum: TENANT_TYPES })
  @IsOptional() @IsIn(TENANT_TYPES)
  type?: TenantType;

  /** case-insensitive search in company name and subdomain */
  @ApiPropertyOptional({ minLength: 1, maxLength: 100, description: 'case-insensitive search in company name and subdomain' })
  @IsOptional() @IsString() @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ enum: TENANT_SORTS })
  @IsOptional() @IsIn(TENANT_SORTS)
  sort?: TenantSort;
}

export class PlatformAuditQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'entries about this tenant' })
  @IsOptional() @IsUUID()
  tenantId?: string;

  @ApiPropertyOptional({ pattern: '^[a-z][a-z0-9_.]{1,63}$', example: 'tenant.suspended' })
  @IsOptional() @IsString() @Matches(/^[a-z][a-z0-9_.]{1,63}$/)
  action?: string;
}

export class TenantAuditQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: '^[a-z][a-z0-9_.]{1,63}$', example: 'tenant.suspended' })
  @IsOptional() @IsString() @Matches(/^[a-z][a-z0-9_.]{1,63}$/)
  action?: string;
}
