import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { PlatformRoute, Public } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';

@PlatformRoute()
@Controller('v1/platform/auth')
export class PlatformAuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.auth.platformLogin(body.email, body.password);
  }
}
