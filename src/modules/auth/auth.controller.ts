import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { Public, TenantRoute } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { LoginDto } from './dto/login.dto.js';

@TenantRoute()
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() body: LoginDto) {
    return this.auth.login(body.email, body.password);
  }

  @Get('me')
  me() {
    return this.auth.me();
  }
}
