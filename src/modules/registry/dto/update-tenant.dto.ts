import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { IsJsonObject } from '../../../common/json-object.validator.js';
import {
  COMPANY_NAME_MAX,
  METADATA_LIMITS,
  TENANT_TIERS,
  TENANT_TYPES,
  Trim,
  type TenantTier,
  type TenantType,
} from '../../tenant/dto/tenant-fields.js';

export class UpdateTenantDto {
  @IsOptional() @Trim() @IsString() @Length(1, COMPANY_NAME_MAX)
  companyName?: string;

  @IsOptional() @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @IsOptional() @IsIn(TENANT_TYPES)
  type?: TenantType;

  /** replaces the whole metadata object */
  @IsOptional() @IsJsonObject(METADATA_LIMITS)
  metadata?: Record<string, unknown>;
}

export class SuspendTenantDto {
  @IsOptional() @Trim() @IsString() @Length(1, 500)
  reason?: string;
}
