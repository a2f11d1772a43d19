import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TenantDto } from '../../tenant/dto/tenant.dto.js';

// OpenAPI shapes of provisioning's answers.

export class FirstAdminViewDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiPropertyOptional({ description: 'the generated password, answered once when none was given' }) initialPassword?: string;
}

export class ProvisionedTenantDto {
  @ApiProperty({ type: TenantDto }) tenant: TenantDto;
  @ApiProperty({ type: FirstAdminViewDto }) admin: FirstAdminViewDto;
}

export class ProvisioningStepDto {
  @ApiProperty({ enum: ['tenant_record', 'default_settings', 'admin_user', 'activation'] }) name: string;
  @ApiProperty({ enum: ['ok', 'repaired', 'missing'], description: 'missing: needs a person (a lost admin)' }) status: string;
}

export class ReprovisionResultDto {
  @ApiProperty({ type: [ProvisioningStepDto] }) steps: ProvisioningStepDto[];
}
