import { AppError, ValidationFailedError, type FieldError } from './errors.js';

export interface JsonBodyLimits {
  /** deepest nesting of objects and arrays (the body itself is level 1) */
  maxDepth: number;
  /** keys in the whole body, at every level */
  maxKeys: number;
}

/** A body over the depth or key limit: refused before it is parsed. */
export class BodyTooComplexError extends ValidationFailedError {
  constructor(detail: string) {
    super([], detail);
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * One pass over the raw text, outside strings: counts nesting and keys (a key is followed by
 * the only `:` JSON has outside strings) and refuses the body as soon as either is over its
 * limit. Linear in the length, so a hostile body costs no more than reading it; JSON.parse,
 * class-transformer (whose key handling is quadratic) and the recursive validators only ever
 * see bodies within the limits. Malformed text is left for JSON.parse to refuse.
 * Returns whether a string may hold a NUL character (the `\u0000` escape), to spare the walk.
 */
export function scanJsonText(text: string, limits: JsonBodyLimits): { mayHoldNul: boolean } {
  let depth = 0;
  let keys = 0;
  let inString = false;
  let mayHoldNul = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) {
        // `\u0000`: checked by position, without building substrings
        if (text.charCodeAt(i + 1) === 0x75 && text.charCodeAt(i + 2) === 0x30 && text.charCodeAt(i + 3) === 0x30 &&
            text.charCodeAt(i + 4) === 0x30 && text.charCodeAt(i + 5) === 0x30) {
          mayHoldNul = true;
        }
        i++; // the escaped character cannot end the string
      } else if (c === QUOTE) {
        inString = false;
      }
      continue;
    }
    switch (c) {
      case QUOTE:
        inString = true;
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (++depth > limits.maxDepth) {
          throw new BodyTooComplexError(`The JSON body is nested deeper than ${limits.maxDepth} levels.`);
        }
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        depth--;
        break;
      case COLON:
        if (++keys > limits.maxKeys) {
          throw new BodyTooComplexError(`The JSON body has more than ${limits.maxKeys} keys.`);
        }
        break;
    }
  }
  return { mayHoldNul };
}

/** How many NUL errors one answer lists at most. */
const MAX_NUL_ERRORS = 10;
/** A key longer than this is shortened in a field path (it is the client's text). */
const MAX_SEGMENT_LENGTH = 64;

/** A client's key as it may appear in a field path: NUL escaped, at most 64 characters. */
export function fieldSegment(key: string): string {
  // A NUL in a key is written as the escape, so the path stays printable.
  const printable = key.replace(/\u0000/g, '\\u0000');
  return printable.length > MAX_SEGMENT_LENGTH ? `${printable.slice(0, MAX_SEGMENT_LENGTH)}…` : printable;
}

const join = (parent: string, key: string) => (parent ? `${parent}.${fieldSegment(key)}` : fieldSegment(key));

/**
 * The fields holding a NUL character, in a key or a string value, at any depth: Postgres
 * refuses NUL in text (22021) and in jsonb (22P05), so such input is refused up front, by
 * field name. The value is never repeated.
 */
export function findNulFields(value: unknown, path = ''): FieldError[] {
  const found: FieldError[] = [];
  const visit = (v: unknown, at: string) => {
    if (found.length >= MAX_NUL_ERRORS) return;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) found.push({ field: at, message: `${at || 'the value'} must not contain a NUL character` });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, at ? `${at}.${i}` : String(i)));
      return;
    }
    for (const key of Object.keys(v)) {
      const field = join(at, key);
      if (key.includes('\u0000')) {
        found.push({ field, message: 'a field name must not contain a NUL character' });
        if (found.length >= MAX_NUL_ERRORS) return;
      }
      visit((v as Record<string, unknown>)[key], field);
    }
  };
  visit(value, path);
  return found;
}

/** Throws validation_failed naming every field that holds a NUL character. */
export function assertNoNul(value: unknown, detail: string): void {
  const fields = findNulFields(value);
  if (fields.length > 0) throw new ValidationFailedError(fields, detail);
}

/** Whether a raw URL may carry a NUL character (percent-encoded: Node refuses a raw one). */
export function urlMayHoldNul(url: string): boolean {
  return url.includes('%00');
}

type Done = (err: Error | null, body?: unknown) => void;

/**
 * The parser for `application/json` bodies: the limits of scanJsonText, then `parse` (Fastify's
 * own JSON parser, which refuses `__proto__` and `constructor.prototype` keys), then the NUL check.
 */
export function createJsonBodyParser<R>(limits: JsonBodyLimits, parse: (req: R, body: string, done: Done) => void) {
  return (req: R, body: string, done: Done): void => {
    let mayHoldNul: boolean;
    try {
      ({ mayHoldNul } = scanJsonText(body, limits));
    } catch (err) {
      done(err as AppError);
      return;
    }
    parse(req, body, (err, parsed) => {
      if (err || !mayHoldNul) {
        done(err, parsed);
        return;
      }
      try {
        assertNoNul(parsed, 'The request body holds a NUL character.');
        done(null, parsed);
      } catch (nulErr) {
        done(nulErr as Error);
      }
    });
  };
}
