import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQuery } from '../../../common/paging.js';
import type { SharingMode } from '../sharing.repository.js';
import { RESOURCE_KIND, SHARING_MODES } from './resource.dto.js';

/** The modes a shared resource can have: private ones are not the platform's to see. */
export const SHARED_MODES = ['global', 'selective'] as const satisfies readonly SharingMode[];

/** `GET /v1/admin/resources`: paging and filters on owner, mode, kind and name. */
export class ListAdminResourcesQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'only resources of this owner tenant' })
  @IsOptional() @IsUUID()
  ownerTenantId?: string;

  @ApiPropertyOptional({ enum: SHARED_MODES })
  @IsOptional() @IsIn(SHARED_MODES)
  mode?: (typeof SHARED_MODES)[number];

  @ApiPropertyOptional({ pattern: RESOURCE_KIND.source })
  @IsOptional() @IsString() @Matches(RESOURCE_KIND, { message: 'kind must match ^[a-z][a-z0-9_-]{1,39}$' })
  kind?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 200, description: 'case-insensitive substring of the name' })
  @IsOptional() @IsString() @Length(1, 200)
  q?: string;
}

/** A tenant named in an answer about resources: the owner, a grantee. */
export class TenantSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() subdomain: string;
  @ApiProperty() companyName: string;
}

/** `sharing` as platform admins see it: the grantee ids always (empty unless selective). */
export class AdminSharingViewDto {
  @ApiProperty({ enum: SHARING_MODES }) mode: SharingMode;
  @ApiProperty({ type: [String], format: 'uuid', description: 'grantee tenant ids, sorted; [] unless selective' })
  tenants: string[];
}

/** A shared resource as platform admins see it. */
export class AdminResourceDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) ownerTenantId: string;
  @ApiProperty({ description: 'always false: the platform owns no resource' }) owned: boolean;
  @ApiProperty({ example: 'agent' }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) content: Record<string, unknown>;
  @ApiProperty({ type: AdminSharingViewDto }) sharing: AdminSharingViewDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: TenantSummaryDto }) owner: TenantSummaryDto;
}

/** One shared resource with its grantees named. */
export class AdminResourceDetailDto extends AdminResourceDto {
  @ApiProperty({ type: [TenantSummaryDto], description: 'the tenants of sharing.tenants, in that order' })
  grantees: TenantSummaryDto[];
}

export class AdminResourcePageDto {
  @ApiProperty({ type: [AdminResourceDto] }) items: AdminResourceDto[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}

/** What a tenant shares (its global and selective resources) and what is shared with it. */
export class TenantSharesDto {
  @ApiProperty({ type: [AdminResourceDto], description: "the tenant's global and selective resources, newest first" })
  granted: AdminResourceDto[];

  @ApiProperty({
    type: [AdminResourceDto],
    description: "other active tenants' selective resources shared with it, newest first (global ones reach every tenant and are not repeated here)",
  })
  received: AdminResourceDto[];
}
