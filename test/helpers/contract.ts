import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { createHash } from 'node:crypto';
import { buildOpenApiDocument } from '../../src/common/openapi.js';

// ajv-formats is CommonJS: its default export is the plugin under ESM interop
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** One answer of the app, as the client got it. */
export interface RecordedAnswer {
  method: string;
  /** the route pattern Fastify matched (`/v1/resources/:id`), undefined when none matched */
  route?: string;
  status: number;
  contentType?: string;
  body: string;
}

// Swagger UI's static files, served by name: not API answers.
const UNDOCUMENTED_ROUTES = new Set(['/docs/:asset']);

/**
 * Checks answers against the app's own OpenAPI document (/docs/openapi.json): the route and the
 * status must be documented, and a JSON body must match the documented schema. Objects the
 * document describes field by field may not carry fields it does not name (a drifted body), so
 * `additionalProperties: false` is added wherever a schema lists properties and says nothing.
 */
export class ContractChecker {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly doc: any) {
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: 'openapi', components: closed(doc.components ?? {}) });
  }

  /** What is wrong with `answer`, or undefined when the document describes it. */
  check(answer: RecordedAnswer): string | undefined {
    const method = answer.method === 'HEAD' ? 'get' : answer.method.toLowerCase();
    const where = `${answer.method} ${answer.route ?? '(no route)'} → ${answer.status}`;
    const mime = answer.contentType?.split(';')[0].trim();
    if (answer.route === undefined) {
      // no route matched (404, 405, a refused request line): always problem details
      if (mime !== 'application/problem+json') return `${where}: answered ${mime ?? 'no content type'} instead of problem+json`;
      return this.validate(where, '#/components/schemas/ProblemDetails', answer.body);
    }
    if (UNDOCUMENTED_ROUTES.has(answer.route) || method === 'options') return undefined;
    const path = answer.route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = this.doc.paths?.[path]?.[method];
    if (!operation) return `${where}: the route is not in the document`;
    const response = operation.responses?.[String(answer.status)] ?? operation.responses?.[`${String(answer.status)[0]}XX`] ?? operation.responses?.default;
    if (!response) return `${where}: status not documented (documented: ${Object.keys(operation.responses ?? {}).join(', ')})`;
    if (answer.body.length === 0 || answer.method === 'HEAD') return undefined;
    if (!mime) return `${where}: a body without a content type`;
    const content = response.content;
    if (!content) return `${where}: answered a ${mime} body the document does not describe`;
    const media = content[mime];
    if (!media) return `${where}: answered ${mime}, documented ${Object.keys(content).join(', ')}`;
    if (!mime.includes('json')) return undefined; // text/html (Swagger UI), text/plain (metrics)
    if (!media.schema) return `${where}: no schema for the ${mime} body`;
    return this.validate(where, `#/paths/${escape(path)}/${method}/responses/${answer.status}`, answer.body, media.schema);
  }

  private validate(where: string, key: string, body: string, schema?: unknown): string | undefined {
    let validator = this.validators.get(key);
    if (!validator) {
      validator = this.ajv.compile((schema ? withRefs(closed(schema)) : { $ref: `openapi${key}` }) as object);
      this.validators.set(key, validator);
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return `${where}: the body is not JSON`;
    }
    if (validator(value)) return undefined;
    const errors = (validator.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
    return `${where}: the body does not match the document: ${errors.join('; ')}; body ${body.slice(0, 300)}`;
  }
}

const escape = (path: string) => path.replace(/~/g, '~0').replace(/\//g, '~1');

/** Local `#/components/...` references, pointed at the document's components. */
function withRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\/components\//g, '"$ref":"openapi#/components/'));
}

/** A copy in which every schema that lists properties and says nothing of others allows none. */
function closed<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(closed) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === 'properties' ? mapValues(v as Record<string, unknown>) : closed(v);
  if ('properties' in out && !('additionalProperties' in out) && !('allOf' in out)) out.additionalProperties = false;
  return out as T;
}
function mapValues(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, closed(v)]));
}

/** Answers checked so far in this test file (the contract test asserts the check runs at all). */
export const contractStats = { checked: 0 };

// Apps of one test file share their document (the same modules): one checker per document.
const checkers = new Map<string, ContractChecker>();

/**
 * Checks every answer `app` gives against its own OpenAPI document; close() then fails the test
 * file if any answer was not as documented. Call before the Fastify instance is ready.
 */
export function checkAnswersAgainstContract(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const problems: string[] = [];
  let checker: ContractChecker | undefined;
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload === 'string' || Buffer.isBuffer(payload) || payload == null) {
      if (!checker) {
        const doc = buildOpenApiDocument(app);
        const key = createHash('sha256').update(JSON.stringify(doc)).digest('hex');
        checker = checkers.get(key) ?? new ContractChecker(doc);
        checkers.set(key, checker);
      }
      contractStats.checked++;
      const problem = checker.check({
        method: request.method,
        route: request.routeOptions?.url,
        status: reply.statusCode,
        contentType: reply.getHeader('content-type') as string | undefined,
        body: payload == null ? '' : payload.toString(),
      });
      if (problem && !problems.includes(problem)) problems.push(problem);
    }
    return payload;
  });
  // the class's own close (app.close through Nest's proxy would find the one defined below)
  const close = () => (Object.getPrototypeOf(app) as NestFastifyApplication).close.call(app);
  // defined, not assigned: Nest's application proxy ignores assignments
  Object.defineProperty(app, 'close', {
    configurable: true,
    value: async () => {
      await close();
      if (problems.length > 0) {
        throw new Error(`answers that /docs/openapi.json does not describe (test/helpers/contract.ts):\n- ${problems.join('\n- ')}`);
      }
    },
  });
}
