import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { tenantSourcesOf } from '../tenant/tenant-sources.js';
import { ApiProblem } from '../../common/openapi.js';
import { Public } from '../../common/route-scope.js';
import { AuthService } from './auth.service.js';
import { RefreshDto } from './dto/refresh.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';

const sources = (req: FastifyRequest) => tenantSourcesOf(req);

/**
 * Refresh and logout. No route scope: the refresh token names its tenant, and these handlers
 * open their own transaction so that a detected reuse (family revoked) commits while the
 * answer is 401.
 */
@ApiTags('auth')
@Public()
@Controller('v1')
export class SessionsController {
  constructor(private readonly auth: AuthService) {}

  @Post('auth/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a tenant refresh token (single use; reuse revokes the family)' })
  @ApiHeader({ name: 'X-Tenant-ID', required: false, description: "Must name the refresh token's tenant when sent" })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblem(401, 'unauthorized')
  @ApiProblem(403, 'tenant_mismatch', 'tenant_suspended')
  @ApiProblem(404, 'tenant_not_found')
  refresh(@Body() body: RefreshDto, @Req() req: FastifyRequest) {
    return this.auth.refresh(body.refreshToken, sources(req));
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke the refresh token's session (its whole family)" })
  @ApiNoContentResponse()
  @ApiProblem(403, 'tenant_mismatch', 'tenant_suspended')
  @ApiProblem(404, 'tenant_not_found')
  async logout(@Body() body: RefreshDto, @Req() req: FastifyRequest): Promise<void> {
    await this.auth.logout(body.refreshToken, sources(req));
  }

  @Post('platform/auth/refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a platform refresh token (single use; reuse revokes the family)' })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiProblem(401, 'unauthorized')
  platformRefresh(@Body() body: RefreshDto) {
    return this.auth.platformRefresh(body.refreshToken);
  }

  @Post('platform/auth/logout')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke the platform refresh token's session" })
  @ApiNoContentResponse()
  async platformLogout(@Body() body: RefreshDto): Promise<void> {
    await this.auth.platformLogout(body.refreshToken);
  }
}
