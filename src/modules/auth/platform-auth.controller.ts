import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute, Public } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';

@ApiTags('platform-auth')
@PlatformRoute()
@Controller('v1/platform/auth')
export class PlatformAuthController {
  constructor(private readonly auth: AuthService) {}

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
}
