import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { Public, TenantRoute } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { ChangePasswordDto, RedeemPasswordResetDto } from './dto/passwords.dto.js';
import { MeDto, TokenResponseDto } from './dto/token-response.dto.js';
import { PasswordChangeService } from './password-change.service.js';
import { PasswordResetService } from './password-reset.service.js';

@ApiTags('auth')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@Controller('v1/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly passwordChange: PasswordChangeService,
    private readonly resets: PasswordResetService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log a tenant user in (tenant from Host or X-Tenant-ID)' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblem(401, 'invalid_credentials')
  login(@Body() body: LoginDto) {
    return this.auth.login(body.email, body.password);
  }

  @Post('password')
  @HttpCode(204)
  @ApiOperation({ summary: "Change one's own password (any role); every other session of the user ends" })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiProblem(400, 'invalid_current_password')
  @ApiProblem(429, 'rate_limited')
  async changePassword(@Body() body: ChangePasswordDto): Promise<void> {
    await this.passwordChange.changeOwn(body.currentPassword, body.newPassword);
  }

  @Public()
  @Post('password-reset')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password with a single-use reset token (tenant from Host, X-Tenant-ID or cookie); every session of the user ends' })
  @ApiNoContentResponse({ description: 'Password set' })
  @ApiProblem(400, 'invalid_reset_token')
  async redeemPasswordReset(@Body() body: RedeemPasswordResetDto): Promise<void> {
    await this.resets.redeem(body.resetToken, body.newPassword);
  }

  @Get('me')
  @ApiOperation({ summary: 'The calling user, its tenant and its permissions' })
  @ApiOkResponse({ type: MeDto })
  me() {
    return this.auth.me();
  }
}
