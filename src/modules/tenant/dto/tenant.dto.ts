import { ApiProperty } from '@nestjs/swagger';
import type { TenantView } from '../tenant.repository.js';

/** OpenAPI shape of the tenant object (TenantView); answers are built by tenantFromRow. */
export class TenantDto implements TenantView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'acme' }) subdomain: string;
  @ApiProperty({ example: 'Acme Corp' }) companyName: string;
  @ApiProperty({ enum: ['client', 'solution', 'industry', 'platform'] }) type: string;
  @ApiProperty({ enum: ['free', 'professional', 'enterprise'] }) tier: string;
  @ApiProperty({ enum: ['provisioning', 'active', 'suspended', 'deleted'] }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) suspendedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deletedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) purgeAfter: string | null;
}
