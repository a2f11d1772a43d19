import {
  ValidationPipe, type ArgumentMetadata, type Type, type ValidationError, type ValidationPipeOptions,
} from '@nestjs/common';
import { classToPlain, plainToInstance, type ClassTransformOptions } from 'class-transformer';
import { getMetadataStorage, isUUID } from 'class-validator';
import { ValidationFailedError, type FieldError } from './errors.js';
import { fieldSegment } from './json-body.js';

/** How many field errors one answer lists at most (a body can hold thousands of bad keys). */
const MAX_FIELD_ERRORS = 50;

const notAllowed = (field: string) => `property ${field} should not exist`;

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${fieldSegment(e.property)}` : fieldSegment(e.property);
    // A missing (or null) required field fails every constraint it has ("must be shorter than
    // …" included): say what is wrong instead.
    if (e.constraints && (e.value === undefined || e.value === null)) {
      return [{ field, message: `${field} is required` }];
    }
    // class-validator's whitelist message repeats the key in full: it is shortened as in the path
    const own = Object.entries(e.constraints ?? {}).map(([name, message]) => ({
      field,
      message: name === 'whitelistValidation' ? notAllowed(fieldSegment(e.property)) : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

function validationFailed(errors: FieldError[]): ValidationFailedError {
  if (errors.length <= MAX_FIELD_ERRORS) return new ValidationFailedError(errors);
  return new ValidationFailedError(
    errors.slice(0, MAX_FIELD_ERRORS),
    `The request is not valid (${errors.length} errors, the first ${MAX_FIELD_ERRORS} listed).`,
  );
}

interface DtoShape {
  /** the properties class-validator allows (its whitelist), inherited ones included */
  known: Set<string>;
  /** free-form JSON properties (typed as an object, not a nested DTO): content, settings, … */
  freeForm: string[];
}

const shapes = new WeakMap<object, DtoShape>();

function shapeOf(metatype: Type<unknown>): DtoShape {
  let shape = shapes.get(metatype);
  if (!shape) {
    const metadata = getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false, undefined);
    const known = new Set(metadata.map((m) => m.propertyName));
    const nested = new Set(metadata.filter((m) => m.type === 'nestedValidation').map((m) => m.propertyName));
    const freeForm = [...known].filter(
      (p) => !nested.has(p) && Reflect.getMetadata('design:type', metatype.prototype, p) === Object,
    );
    shape = { known, freeForm };
    shapes.set(metatype, shape);
  }
  return shape;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v);

/**
 * class-transformer, except that free-form JSON properties are handed over as they are instead
 * of being copied key by key: its copy de-duplicates every object's keys with indexOf, which
 * is quadratic (a `content` of 10,000 keys cost 70–300 ms). Such a property is typed as an
 * object (`Record<string, unknown>`) and is no nested DTO; it must not rely on @Type/@Transform.
 */
const shieldingTransformer: NonNullable<ValidationPipeOptions['transformerPackage']> = {
  plainToInstance<T>(cls: Type<T>, plain: unknown, options?: ClassTransformOptions) {
    if (!isPlainObject(plain)) return plainToInstance(cls, plain, options) as T | T[];
    const held = shapeOf(cls).freeForm.filter((p) => Object.hasOwn(plain, p) && plain[p] !== null && typeof plain[p] === 'object');
    if (held.length === 0) return plainToInstance(cls, plain, options) as T;
    const stripped = { ...plain };
    for (const p of held) delete stripped[p];
    const entity = plainToInstance(cls, stripped, options) as Record<string, unknown>;
    for (const p of held) entity[p] = plain[p];
    return entity as T;
  },
  classToPlain: (object: unknown, options?: ClassTransformOptions) => classToPlain(object, options),
};

/**
 * Path parameters that are one UUID (`@IsUUID() id`, the `:id` of most routes), by class: the
 * property and the UUID version, or null for any other shape.
 */
const uuidParams = new WeakMap<object, { property: string; version: unknown } | null>();
function uuidParamOf(cls: Type<unknown>): { property: string; version: unknown } | null {
  let shape = uuidParams.get(cls);
  if (shape === undefined) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
    const [rule] = rules;
    shape =
      rules.length === 1 && rule.name === 'isUuid' && !rule.each && (rule.groups?.length ?? 0) === 0
        ? { property: rule.propertyName, version: rule.constraints?.[0] }
        : null;
    uuidParams.set(cls, shape);
  }
  return shape;
}

/**
 * ValidationPipe that refuses unknown top-level keys itself, before class-transformer sees
 * them: class-transformer de-duplicates an object's keys with indexOf (quadratic), so a body of
 * 10,000 unknown keys took over 100 ms of event loop. The rest of the body is validated as usual
 * and its errors are listed after the unknown keys, in class-validator's order.
 */
class AppValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype } = metadata;
    if (!metatype || !isPlainObject(value) || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    // A valid `:id` is checked here with class-validator's own isUUID: its full run (async, and
    // class-transformer's copy) cost tens of µs on every lookup (bench scenario 1's profile).
    // Anything else, an invalid id included, takes the usual way, so errors stay the same.
    if (metadata.type === 'param') {
      const uuid = uuidParamOf(metatype as Type<unknown>);
      const keys = Object.keys(value);
      if (uuid && keys.length === 1 && keys[0] === uuid.property && isUUID(value[uuid.property], uuid.version as never)) {
        return Object.assign(new (metatype as Type<unknown>)() as object, value);
      }
    }
    const { known } = shapeOf(metatype as Type<unknown>);
    const unknownKeys = Object.keys(value).filter((key) => !known.has(key));
    if (unknownKeys.length === 0) return super.transform(value, metadata);

    const rest: Record<string, unknown> = {};
    for (const key of Object.keys(value)) if (known.has(key)) rest[key] = value[key];
    const errors: FieldError[] = unknownKeys.slice(0, MAX_FIELD_ERRORS + 1).map((key) => {
      const field = fieldSegment(key);
      return { field, message: notAllowed(field) };
    });
    try {
      await super.transform(rest, metadata);
    } catch (err) {
      if (!(err instanceof ValidationFailedError)) throw err;
      errors.push(...(err.fieldErrors ?? []));
    }
    const failed = validationFailed(errors);
    if (unknownKeys.length > MAX_FIELD_ERRORS) {
      throw new ValidationFailedError(
        failed.fieldErrors ?? [],
        `The request is not valid (${unknownKeys.length} unknown fields, the first ${MAX_FIELD_ERRORS} listed).`,
      );
    }
    throw failed;
  }
}

/** Global validation: whitelist DTOs, reject unknown fields, answer validation_failed. */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    // the value is read by flatten() (a missing field), never copied into an answer
    validationError: { target: false, value: true },
    transformerPackage: shieldingTransformer,
    exceptionFactory: (errors) => validationFailed(flatten(errors)),
  });
}
