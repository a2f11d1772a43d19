import { ApiPropertyOptional } from '@nestjs/swagger';
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
  @ApiPropertyOptional({ minLength: 1, maxLength: COMPANY_NAME_MAX })
  @IsOptional() @Trim() @IsString() @Length(1, COMPANY_NAME_MAX)
  companyName?: string;

  @ApiPropertyOptional({ enum: TENANT_TIERS })
  @IsOptional() @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @ApiPropertyOptional({ enum: TENANT_TYPES })
  @IsOptional() @IsIn(TENANT_TYPES)
  type?: TenantType;

  /** replaces the whole metadata object */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'replaces the whole metadata object' })
  @IsOptional() @IsJsonObject(METADATA_LIMITS)
  metadata?: Record<string, unknown>;
}

export class SuspendTenantDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 500 })
  @IsOptional() @Trim() @IsString() @Length(1, 500)
  reason?: string;
}
