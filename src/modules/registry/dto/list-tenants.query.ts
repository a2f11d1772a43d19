import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { TENANT_STATUSES, TENANT_TIERS, TENANT_TYPES, type TenantStatus, type TenantTier, type TenantType } from './tenant-fields.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

/** docs/api.md pagination: page ≥ 1 (default 1), limit 1–100 (default 20); anything else is 400. */
export class PageQuery {
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  page?: number;

  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(100)
  limit?: number;
}

export const TENANT_SORTS = [
  'createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'companyName', '-companyName', 'subdomain', '-subdomain',
] as const;
export type TenantSort = (typeof TENANT_SORTS)[number];

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

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}
