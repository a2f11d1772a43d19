import { BodyTooComplexError, createJsonBodyParser, findNulFields, scanJsonText, urlMayHoldNul } from './json-body.js';
import { ValidationFailedError } from './errors.js';

const limits = { maxDepth: 4, maxKeys: 5 };
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const keys = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));

describe('scanJsonText', () => {
  it('accepts a body at the depth and key limits', () => {
    expect(() => scanJsonText(nested(4), limits)).not.toThrow();
    expect(() => scanJsonText(keys(5), limits)).not.toThrow();
    expect(() => scanJsonText('{"a":{"b":{"c":[1]}}}', limits)).not.toThrow();
  });

  it('refuses a body one level too deep or with one key too many', () => {
    expect(() => scanJsonText(nested(5), limits)).toThrow(BodyTooComplexError);
    expect(() => scanJsonText(nested(5), limits)).toThrow('nested deeper than 4 levels');
    expect(() => scanJsonText(keys(6), limits)).toThrow('more than 5 keys');
  });

  it('counts keys at every level', () => {
    expect(() => scanJsonText('{"a":{"b":1,"c":2},"d":[{"e":1,"f":2}]}', limits)).toThrow('more than 5 keys');
  });

  it('ignores brackets, colons and escaped quotes inside strings', () => {
    const text = JSON.stringify({ a: '[[[[[[{{{{:::::::', b: 'say \\"[[[[[[[" :::' });
    expect(() => scanJsonText(text, limits)).not.toThrow();
  });

  it('stops at the limit without reading the rest of a hostile body', () => {
    const text = nested(1_000_000);
    const started = performance.now();
    expect(() => scanJsonText(text, { maxDepth: 64, maxKeys: 10_000 })).toThrow(BodyTooComplexError);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('says whether a string may hold a NUL escape', () => {
    expect(scanJsonText('{"a":"x\\u0000y"}', limits).mayHoldNul).toBe(true);
    expect(scanJsonText('{"a\\u0000":1}', limits).mayHoldNul).toBe(true);
    expect(scanJsonText('{"a":"x\\\\u0000"}', limits).mayHoldNul).toBe(false); // an escaped backslash
    expect(scanJsonText('{"a":"x"}', limits).mayHoldNul).toBe(false);
  });
});

describe('findNulFields', () => {
  it('names the field of a NUL in a value at any depth, never the value', () => {
    const fields = findNulFields({ name: 'a\u0000secret', settings: { theme: { dark: 'x\u0000' } }, list: ['ok', 'b\u0000'] });
    expect(fields.map((f) => f.field)).toEqual(['name', 'settings.theme.dark', 'list.1']);
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it('names a key holding a NUL with the NUL escaped', () => {
    expect(findNulFields({ settings: { 'the\u0000me': 'dark' } })).toEqual([
      { field: 'settings.the\\u0000me', message: 'a field name must not contain a NUL character' },
    ]);
  });

  it('shortens long keys and lists at most ten fields', () => {
    const [first] = findNulFields({ ['k'.repeat(5000)]: '\u0000' });
    expect(first.field.length).toBeLessThanOrEqual(65);
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, '\u0000']));
    expect(findNulFields(many)).toHaveLength(10);
  });

  it('finds nothing in clean input', () => {
    expect(findNulFields({ a: 'b', c: [1, null, { d: true }] })).toEqual([]);
  });
});

describe('createJsonBodyParser', () => {
  const parse = (_req: unknown, body: string, done: (err: Error | null, v?: unknown) => void) => {
    try {
      done(null, JSON.parse(body));
    } catch (err) {
      done(err as Error);
    }
  };
  const run = (text: string) =>
    new Promise<{ err: Error | null; body?: unknown }>((resolve) =>
      createJsonBodyParser(limits, parse)({}, text, (err, body) => resolve({ err, body })),
    );

  it('parses a body within the limits', async () => {
    await expect(run('{"a":[1,2]}')).resolves.toEqual({ err: null, body: { a: [1, 2] } });
  });

  it('refuses a body over a limit before parsing it', async () => {
    const { err } = await run(nested(5));
    expect(err).toBeInstanceOf(BodyTooComplexError);
  });

  it('refuses a NUL character by field', async () => {
    const { err } = await run('{"a":{"b":"x\\u0000"}}');
    expect(err).toBeInstanceOf(ValidationFailedError);
    expect((err as ValidationFailedError).fieldErrors).toEqual([{ field: 'a.b', message: 'a.b must not contain a NUL character' }]);
  });

  it('passes the parser\'s own errors on', async () => {
    const { err } = await run('{"a":');
    expect(err).toBeInstanceOf(SyntaxError);
  });
});

describe('urlMayHoldNul', () => {
  it('spots a percent-encoded NUL', () => {
    expect(urlMayHoldNul('/v1/x?q=a%00b')).toBe(true);
    expect(urlMayHoldNul('/v1/x?q=ab')).toBe(false);
  });
});
