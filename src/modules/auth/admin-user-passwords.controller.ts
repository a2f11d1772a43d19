import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { PlatformRoute } from '../../common/route-scope.js';
import { PasswordResetTokenDto, TenantUserParam } from './dto/passwords.dto.js';
import { PasswordResetService } from './password-reset.service.js';
import { RequirePermission } from './require-permission.decorator.js';

/** A platform admin's password reset of a tenant's user (auth owns users and their tokens). */
@ApiTags('admin-tenants')
@PlatformRoute()
@Controller('v1/admin/tenants/:id/users')
export class AdminUserPasswordsController {
  constructor(private readonly resets: PasswordResetService) {}

  @Post(':userId/password-reset')
  @HttpCode(200)
  @RequirePermission('platform:write')
  @ApiOperation({ summary: "Issue a single-use, 15-minute reset token for a tenant's user (owner, operator)" })
  @ApiOkResponse({ type: PasswordResetTokenDto })
  @ApiProblem(404, 'resource_not_found')
  issue(@Param() { id, userId }: TenantUserParam) {
    return this.resets.issueForTenantUser(id, userId);
  }
}
