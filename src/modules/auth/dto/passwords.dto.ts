import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import { NewPasswordField, PASSWORD_MAX_LENGTH } from '../password-policy.js';

/** POST /v1/auth/password and /v1/platform/auth/password. */
export class ChangePasswordDto {
  @ApiProperty({ description: 'The password the caller has now', format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @MinLength(1)
  @MaxLength(PASSWORD_MAX_LENGTH)
  currentPassword: string;

  @NewPasswordField()
  newPassword: string;
}

/** POST /v1/auth/password-reset. */
export class RedeemPasswordResetDto {
  @ApiProperty({ description: 'The single-use token a password-reset route answered' })
  @IsString()
  @MinLength(10)
  @MaxLength(200)
  resetToken: string;

  @NewPasswordField()
  newPassword: string;
}

/** The answer of the password-reset routes: the only time the token is shown. */
export class PasswordResetTokenDto {
  @ApiProperty({ description: 'Single-use token for POST /v1/auth/password-reset; only its SHA-256 is stored' })
  resetToken: string;

  @ApiProperty({ format: 'date-time', description: '15 minutes after issue' })
  expiresAt: string;
}

/** Path of POST /v1/admin/tenants/:id/users/:userId/password-reset. */
export class TenantUserParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  userId: string;
}
