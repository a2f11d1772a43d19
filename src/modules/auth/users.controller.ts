import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiProblem } from '../../common/openapi.js';
import { TenantRoute } from '../../common/route-scope.js';
import { IdParam } from '../../common/id.param.js';
import { PageQuery } from '../../common/paging.js';
import { PasswordResetTokenDto } from './dto/passwords.dto.js';
import { CreateUserDto, UpdateUserDto, UserDto, UserPageDto } from './dto/users.dto.js';
import { PasswordResetService } from './password-reset.service.js';
import { RequirePermission } from './require-permission.decorator.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiHeader({ name: 'X-Tenant-ID', required: false, description: 'Tenant id or subdomain (must match the token)' })
@TenantRoute()
@RequirePermission('users:manage')
@Controller('v1/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly resets: PasswordResetService,
  ) {}

  @Get()
  @ApiOperation({ summary: "A page of the tenant's users" })
  @ApiOkResponse({ type: UserPageDto })
  list(@Query() query: PageQuery) {
    return this.users.list(query);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user (password ≥ 12 characters, not the email)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblem(409, 'conflict')
  create(@Body() body: CreateUserDto) {
    return this.users.create(body);
  }

  @Patch(':id')
  @ApiOperation({ summary: "Change a user's role or status (disabled ends its sessions)" })
  @ApiOkResponse({ type: UserDto })
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  update(@Param() { id }: IdParam, @Body() body: UpdateUserDto) {
    return this.users.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user (its sessions end at once)' })
  @ApiNoContentResponse()
  @ApiProblem(404, 'resource_not_found')
  @ApiProblem(409, 'conflict')
  async remove(@Param() { id }: IdParam): Promise<void> {
    await this.users.remove(id);
  }

  @Post(':id/password-reset')
  @HttpCode(200)
  @ApiOperation({ summary: "Issue a single-use, 15-minute reset token for a user's password" })
  @ApiOkResponse({ type: PasswordResetTokenDto })
  @ApiProblem(404, 'resource_not_found')
  issuePasswordReset(@Param() { id }: IdParam) {
    return this.resets.issueForUser(id);
  }
}
