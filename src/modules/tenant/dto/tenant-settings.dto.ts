import { ApiProperty } from '@nestjs/swagger';
import { IsDefined } from 'class-validator';
import { IsJsonObject } from '../../../common/json-object.validator.js';
import { SETTINGS_LIMITS } from './tenant-fields.js';

/** JSON merge patch (RFC 7396) of the tenant's settings: a null value removes a key. */
export class UpdateTenantSettingsDto {
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'merged into the settings; a null value removes a key' })
  @IsDefined() @IsJsonObject(SETTINGS_LIMITS)
  settings: Record<string, unknown>;
}
