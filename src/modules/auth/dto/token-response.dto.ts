import { ApiProperty } from '@nestjs/swagger';

/** The answer of every login and refresh. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/** OpenAPI schema of TokenResponse. */
export class TokenResponseDto implements TokenResponse {
  @ApiProperty({ description: 'JWT access token' })
  accessToken: string;

  @ApiProperty({ description: 'Opaque, single-use refresh token' })
  refreshToken: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'Access token lifetime in seconds', example: 900 })
  expiresIn: number;
}

class MeUserDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'email' }) email: string;
  @ApiProperty({ enum: ['admin', 'member', 'read_only'] }) role: string;
}

class MeTenantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() subdomain: string;
  @ApiProperty() companyName: string;
  @ApiProperty({ enum: ['client', 'solution', 'industry', 'platform'] }) type: string;
  @ApiProperty({ enum: ['free', 'professional', 'enterprise'] }) tier: string;
}

/** GET /v1/auth/me. */
export class MeDto {
  @ApiProperty({ type: MeUserDto }) user: MeUserDto;
  @ApiProperty({ type: MeTenantDto }) tenant: MeTenantDto;
  @ApiProperty({ type: [String], example: ['resources:read', 'resources:write'] }) permissions: string[];
}
