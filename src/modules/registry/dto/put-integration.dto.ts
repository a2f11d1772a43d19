import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Matches, registerDecorator } from 'class-validator';

export const INTEGRATION_NAME = /^[a-z][a-z0-9_-]{1,39}$/;
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_FIELDS = 50;
const MAX_BYTES = 8 * 1024;

/** Flat object of string/number/boolean values with sane field names, at most 8 KiB. */
function IsCredentials() {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isCredentials',
      target: target.constructor,
      propertyName,
      options: {
        message: `credentials must be a non-empty flat object (at most ${MAX_FIELDS} fields named like "apiKey", ` +
          `string/number/boolean values, ${MAX_BYTES} bytes in all)`,
      },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          const entries = Object.entries(value);
          if (entries.length === 0 || entries.length > MAX_FIELDS) return false;
          const flat = entries.every(
            ([k, v]) => FIELD_NAME.test(k) && ['string', 'number', 'boolean'].includes(typeof v),
          );
          return flat && Buffer.byteLength(JSON.stringify(value), 'utf8') <= MAX_BYTES;
        },
      },
    });
}

export class PutIntegrationDto {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9_.-]{0,49}$', example: 'salesforce' })
  @IsString() @Matches(/^[a-z0-9][a-z0-9_.-]{0,49}$/, { message: 'provider must be 1–50 characters of a-z, 0-9, "_", "." and "-"' })
  provider: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
    description: `a flat object of at most ${MAX_FIELDS} fields, ${MAX_BYTES} bytes; sealed at rest, never answered back`,
    example: { apiKey: 'sk-…' },
  })
  @IsDefined() @IsCredentials()
  credentials: Record<string, string | number | boolean>;
}

export class IntegrationNameParam {
  @ApiProperty({ pattern: '^[a-z][a-z0-9_-]{1,39}$' })
  @Matches(INTEGRATION_NAME, { message: 'name must match ^[a-z][a-z0-9_-]{1,39}$' })
  name: string;
}

