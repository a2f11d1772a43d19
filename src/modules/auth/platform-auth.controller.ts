import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute, Public } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { ChangePasswordDto } from './dto/passwords.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { PasswordChangeService } from './password-change.service.js';
import { RequirePermission } from './require-permission.decorator.js';

@ApiTags('platform-auth')
@PlatformRoute()
@Controller('v1/platform/auth')
export class PlatformAuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly passwordChange: PasswordChangeService,
  ) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log a platform admin in' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblem(401, 'invalid_credentials')
  @ApiProblem(429, 'rate_limited')
  login(@Body() body: LoginDto) {
    return this.auth.platformLogin(body.email, body.password);
  }

  @Post('password')
  @HttpCode(204)
  @RequirePermission() // every platform role, viewers included
  @ApiOperation({ summary: "Change one's own password (any platform role); every other session of the admin ends" })
  @ApiNoContentResponse({ description: 'Changed' })
  @ApiProblem(400, 'invalid_current_password')
  @ApiProblem(429, 'rate_limited')
  async changePassword(@Body() body: ChangePasswordDto): Promise<void> {
    await this.passwordChange.changeOwnPlatform(body.currentPassword, body.newPassword);
  }
}
