import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TenantDto } from '../../tenant/dto/tenant.dto.js';

// OpenAPI shapes of the registry's answers (the answers themselves are the services' views).

abstract class PageFields {
  @ApiProperty({ type: 'integer', example: 1 }) page: number;
  @ApiProperty({ type: 'integer', example: 20 }) limit: number;
  @ApiProperty({ type: 'integer', description: 'items over every page' }) total: number;
}

export class TenantPageDto extends PageFields {
  @ApiProperty({ type: [TenantDto] }) items: TenantDto[];
}

/** An entry of a tenant's audit trail. */
export class AuditEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: String, nullable: true, description: 'the acting user (or platform admin)' }) actorId: string | null;
  @ApiProperty({ example: 'user.created' }) action: string;
  @ApiProperty({ type: String, nullable: true }) targetType: string | null;
  @ApiProperty({ type: String, nullable: true }) targetId: string | null;
  @ApiProperty({ type: String, nullable: true }) requestId: string | null;
  @ApiProperty({ type: String, nullable: true }) ip: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class AuditPageDto extends PageFields {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
}

/** An entry of the platform's audit trail. */
export class PlatformAuditEntryDto extends AuditEntryDto {
  @ApiProperty({ type: String, nullable: true, format: 'uuid', description: 'the tenant the change is about' }) tenantId: string | null;
}

export class PlatformAuditPageDto extends PageFields {
  @ApiProperty({ type: [PlatformAuditEntryDto] }) items: PlatformAuditEntryDto[];
}

export class TenantStatsDto {
  @ApiProperty({ type: 'integer' }) users: number;
  @ApiProperty({ type: 'integer', description: 'resources the tenant owns' }) resources: number;
  @ApiProperty({ type: 'integer', description: "other tenants' resources it sees (global and shared with it)" }) sharedWithMe: number;
  @ApiProperty({ type: 'integer' }) auditEntries: number;
}

export class SubdomainAvailabilityDto {
  @ApiProperty({ example: 'acme' }) subdomain: string;
  @ApiProperty() available: boolean;
  @ApiPropertyOptional({ enum: ['format', 'reserved', 'taken'], description: 'why it is not available' }) reason?: string;
}

/** An integration as the API shows it: field names, never a secret value. */
export class IntegrationDto {
  @ApiProperty({ example: 'crm' }) name: string;
  @ApiProperty({ example: 'salesforce' }) provider: string;
  @ApiProperty({ type: [String], example: ['apiKey'] }) fields: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}
