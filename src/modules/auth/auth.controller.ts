import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { Public, TenantRoute } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';
import { MeDto, TokenResponseDto } from './dto/token-response.dto.js';

@ApiTags('auth')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Log a tenant user in (tenant from Host or X-Tenant-ID)' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblem(401, 'invalid_credentials')
  login(@Body() body: LoginDto) {
    return this.auth.login(body.email, body.password);
  }

  @Get('me')
  @ApiOperation({ summary: 'The calling user, its tenant and its permissions' })
  @ApiOkResponse({ type: MeDto })
  me() {
    return this.auth.me();
  }
}
