import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, MaxLength } from 'class-validator';
import { NewPasswordField } from '../password-policy.js';
import { PLATFORM_ROLES, type PlatformRole } from '../permissions.js';

export const PLATFORM_ADMIN_STATUSES = ['active', 'disabled'] as const;
export type PlatformAdminStatus = (typeof PLATFORM_ADMIN_STATUSES)[number];

export class CreatePlatformAdminDto {
  @ApiProperty({ format: 'email' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @NewPasswordField()
  password: string;

  @ApiProperty({ enum: PLATFORM_ROLES, description: 'owner: everything; operator: tenants and shared resources; viewer: reads only' })
  @IsIn(PLATFORM_ROLES)
  role: PlatformRole;
}

export class UpdatePlatformAdminDto {
  @ApiPropertyOptional({ enum: PLATFORM_ROLES })
  @IsOptional()
  @IsIn(PLATFORM_ROLES)
  role?: PlatformRole;

  @ApiPropertyOptional({ enum: PLATFORM_ADMIN_STATUSES, description: '`disabled` ends the admin’s sessions at once' })
  @IsOptional()
  @IsIn(PLATFORM_ADMIN_STATUSES)
  status?: PlatformAdminStatus;
}

export class PlatformAdminDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: PLATFORM_ROLES }) role: string;
  @ApiProperty({ enum: PLATFORM_ADMIN_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class PlatformAdminPageDto {
  @ApiProperty({ type: [PlatformAdminDto] }) items: PlatformAdminDto[];
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
  @ApiProperty() total: number;
}
