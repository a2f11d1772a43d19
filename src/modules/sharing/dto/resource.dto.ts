import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsDefined, IsIn, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested,
} from 'class-validator';
import { IsJsonObject } from '../../../common/json-object.validator.js';
import { PageQuery } from '../../../common/paging.js';
import type { ListScope, ResourceView, SharingMode } from '../sharing.repository.js';

export const SHARING_MODES = ['private', 'global', 'selective'] as const satisfies readonly SharingMode[];
export const LIST_SCOPES = ['own', 'shared', 'all'] as const satisfies readonly ListScope[];
export const RESOURCE_KIND = /^[a-z][a-z0-9_-]{1,39}$/;
const CONTENT_LIMITS = { maxBytes: 256 * 1024, maxDepth: 16 };
export const MAX_GRANTEES = 100;

/** `{mode, tenants?}`: tenants (ids or subdomains) only with mode `selective`. */
export class SharingDto {
  @ApiProperty({ enum: SHARING_MODES })
  @IsIn(SHARING_MODES)
  mode: SharingMode;

  @ApiPropertyOptional({ type: [String], description: 'tenant ids or subdomains; selective mode only', maxItems: MAX_GRANTEES })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_GRANTEES) @IsString({ each: true }) @Length(1, 64, { each: true })
  tenants?: string[];
}

export class CreateResourceDto {
  @ApiProperty({ example: 'agent', pattern: RESOURCE_KIND.source })
  @IsString() @Matches(RESOURCE_KIND, { message: 'kind must match ^[a-z][a-z0-9_-]{1,39}$' })
  kind: string;

  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString() @Length(1, 200)
  name: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsDefined() @IsJsonObject(CONTENT_LIMITS)
  content: Record<string, unknown>;

  @ApiPropertyOptional({ type: SharingDto })
  @IsOptional() @ValidateNested() @Type(() => SharingDto)
  sharing?: SharingDto;
}

export class UpdateResourceDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200 })
  @IsOptional() @IsString() @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional() @IsJsonObject(CONTENT_LIMITS)
  content?: Record<string, unknown>;
}

export class ListResourcesQuery extends PageQuery {
  @ApiPropertyOptional({ pattern: RESOURCE_KIND.source })
  @IsOptional() @IsString() @Matches(RESOURCE_KIND, { message: 'kind must match ^[a-z][a-z0-9_-]{1,39}$' })
  kind?: string;

  @ApiPropertyOptional({ enum: LIST_SCOPES, default: 'all' })
  @IsOptional() @IsIn(LIST_SCOPES)
  scope?: ListScope;
}

export class ResourceIdParam {
  @IsUUID()
  id: string;
}

/** OpenAPI shape of `sharing` in answers; `tenants` (grantee ids) only for the owner. */
export class SharingViewDto {
  @ApiProperty({ enum: SHARING_MODES }) mode: SharingMode;
  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'grantee tenant ids; owner only, selective mode only' })
  tenants?: string[];
}

export class ResourceDto implements ResourceView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) ownerTenantId: string;
  @ApiProperty({ description: 'the current tenant owns it' }) owned: boolean;
  @ApiProperty({ example: 'agent' }) kind: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) content: Record<string, unknown>;
  @ApiProperty({ type: SharingViewDto }) sharing: SharingViewDto;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ResourcePageDto {
  @ApiProperty({ type: [ResourceDto] }) items: ResourceDto[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
