import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsObject, IsOptional, IsString, Length, MaxLength, ValidateNested } from 'class-validator';
import {
  COMPANY_NAME_MAX,
  IsTenantSubdomain,
  NormaliseSubdomain,
  TENANT_TIERS,
  TENANT_TYPES,
  Trim,
  type TenantTier,
  type TenantType,
} from '../../tenant/dto/tenant-fields.js';

export class FirstAdminDto {
  @Trim() @IsString() @MaxLength(254) @IsEmail()
  email: string;

  /** generated (and answered once as initialPassword) when absent */
  @IsOptional() @IsString() @Length(12, 128)
  password?: string;
}

export class CreateTenantDto {
  @Trim() @IsString() @Length(1, COMPANY_NAME_MAX)
  companyName: string;

  @NormaliseSubdomain() @IsString() @IsTenantSubdomain()
  subdomain: string;

  @IsOptional() @IsIn(TENANT_TYPES)
  type?: TenantType;

  @IsOptional() @IsIn(TENANT_TIERS)
  tier?: TenantTier;

  @IsObject() @ValidateNested() @Type(() => FirstAdminDto)
  admin: FirstAdminDto;
}
