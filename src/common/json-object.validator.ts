import { registerDecorator, type ValidationOptions } from 'class-validator';

export interface JsonObjectLimits {
  /** serialized size limit, in bytes of UTF-8 JSON */
  maxBytes: number;
  /** nesting limit (the object itself is depth 1) */
  maxDepth: number;
}

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + children.reduce<number>((max, v) => Math.max(max, depthOf(v)), 0);
}

/** A plain JSON object (not an array, not null) within a size and depth limit. */
export function IsJsonObject(limits: JsonObjectLimits, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName,
      options: {
        message: `$property must be a JSON object of at most ${limits.maxBytes} bytes and ${limits.maxDepth} levels`,
        ...options,
      },
      validator: {
        validate(value: unknown) {
          if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
          if (depthOf(value) > limits.maxDepth) return false;
          return Buffer.byteLength(JSON.stringify(value), 'utf8') <= limits.maxBytes;
        },
      },
    });
}
