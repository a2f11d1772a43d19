import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsObject, IsOptional, IsString, IsUUID, ValidateNested } from 'class-validator';
import { IdParam } from './id.param.js';
import { ValidationFailedError } from './errors.js';
import { createValidationPipe } from './validation.js';

class InnerDto {
  @IsIn(['a', 'b'])
  mode: string;
}

class OuterDto {
  @IsString()
  name: string;

  @IsDefined() @IsObject()
  content: Record<string, unknown>;

  @IsOptional() @ValidateNested() @Type(() => InnerDto)
  inner?: InnerDto;
}

class TenantAndIdParam {
  @IsUUID()
  tenantId: string;

  @IsUUID()
  id: string;
}

const pipe = createValidationPipe();
const run = (value: unknown) => pipe.transform(value, { type: 'body', metatype: OuterDto });
const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

async function failure(value: unknown): Promise<ValidationFailedError> {
  const err = await run(value).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ValidationFailedError);
  return err as ValidationFailedError;
}

describe('validation pipe', () => {
  it('builds the DTO and its nested DTOs; a free-form object is handed over as it is', async () => {
    const content = { deep: { list: [1, { x: 'y' }] } };
    const dto = (await run({ name: 'n', content, inner: { mode: 'a' } })) as OuterDto;
    expect(dto).toBeInstanceOf(OuterDto);
    expect(dto.inner).toBeInstanceOf(InnerDto);
    expect(dto.content).toEqual({ deep: { list: [1, { x: 'y' }] } });
  });

  it('lists unknown top-level keys first, then the other errors', async () => {
    const err = await failure({ extra: 1, content: {}, inner: { mode: 'z', more: 1 } });
    expect(err.fieldErrors).toEqual([
      { field: 'extra', message: 'property extra should not exist' },
      { field: 'name', message: 'name is required' },
      { field: 'inner.more', message: 'property more should not exist' },
      { field: 'inner.mode', message: 'mode must be one of the following values: a, b' },
    ]);
  });

  // They never reach class-transformer, whose key handling is quadratic (~110 ms for these).
  it('refuses 9,999 unknown keys, listing 50', async () => {
    const err = await failure({ name: 'n', content: {}, ...keys(9_999) });
    expect(err.fieldErrors).toHaveLength(50);
    expect(err.detail).toMatch(/9999 unknown fields/);
  });

  it('shortens a long unknown key in the field and the message', async () => {
    const key = 'x'.repeat(5000);
    const err = await failure({ name: 'n', content: {}, [key]: 1 });
    expect(JSON.stringify(err.fieldErrors).length).toBeLessThan(300);
  });
});

describe('validation pipe, path parameters of one UUID', () => {
  const param = (value: unknown, metatype: new () => unknown = IdParam) => pipe.transform(value, { type: 'param', metatype });
  const ID = '6f1c2b1e-8a4e-4d7e-9a43-2f1f0e6c9b11';

  it('answers an instance with the id, as the full validation does', async () => {
    const dto = await param({ id: ID });
    expect(dto).toBeInstanceOf(IdParam);
    expect(dto).toEqual(Object.assign(new IdParam(), { id: ID }));
  });

  it('refuses what is no UUID with the same error as before', async () => {
    for (const id of ['not-a-uuid', `${ID}x`, '', ID.replaceAll('-', '')]) {
      const err = (await param({ id }).catch((e: unknown) => e)) as ValidationFailedError;
      expect(err).toBeInstanceOf(ValidationFailedError);
      expect(err.fieldErrors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    }
  });

  it('leaves other shapes to the full validation: an extra key, or a class with more rules', async () => {
    const extra = (await param({ id: ID, other: 'x' }).catch((e: unknown) => e)) as ValidationFailedError;
    expect(extra.fieldErrors).toEqual([{ field: 'other', message: 'property other should not exist' }]);
    const wrongTenant = (await param({ tenantId: 'nope', id: ID }, TenantAndIdParam).catch((e: unknown) => e)) as ValidationFailedError;
    expect(wrongTenant.fieldErrors).toEqual([{ field: 'tenantId', message: 'tenantId must be a UUID' }]);
  });
});
