import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { registeredRoutes } from '../../src/app.factory.js';
import { ERROR_CODES } from '../../src/common/openapi.js';
import { createTestApp } from '../helpers/create-app.js';
import { ProbeModule } from '../helpers/probe.module.js';

// Swagger UI's own static files (served by name from swagger-ui-dist), not API routes.
const UI_ASSET_ROUTE = '/docs/:asset';

describe('OpenAPI at /docs', () => {
  let app: NestFastifyApplication;
  let doc: any;

  beforeAll(async () => {
    app = await createTestApp({ extraModules: [ProbeModule], env: { DIAGNOSTIC_ROUTES: 'true' } });
    const res = await request(app.getHttpServer()).get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body;
  });
  afterAll(() => app?.close());

  it('documents every route the app registers', () => {
    const routes = registeredRoutes(app).filter(
      (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && r.url !== UI_ASSET_ROUTE,
    );
    // the app's own, the auth module's, the diagnostics and the test probe routes are all there
    expect(routes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining(['GET /health', 'GET /v1/tenant', 'POST /v1/auth/login', 'GET /metrics', 'GET /docs', 'GET /v1/diagnostics/sleep', 'POST /probe/write/:marker']),
    );
    const missing = routes.filter((r) => {
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      return !doc.paths[path]?.[r.method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it('declares the bearer scheme and the problem+json error answers with their codes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const problem = doc.components.schemas.ProblemDetails;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'requestId']));
    expect(problem.properties.instance).toBeDefined(); // left out when the path is hostile (414, 431)
    const apiMdCodes = [
      'validation_failed', 'tenant_required', 'invalid_credentials', 'unauthorized', 'forbidden', 'tenant_mismatch',
      'tenant_suspended', 'tenant_not_found', 'resource_not_found', 'conflict', 'idempotency_key_reused',
      'payload_too_large', 'rate_limited',
    ];
    expect(problem.properties.code.enum).toEqual(expect.arrayContaining(apiMdCodes));
    for (const code of apiMdCodes) expect(doc.info.description).toContain(`| ${code} |`);
    expect(ERROR_CODES.length).toBeGreaterThanOrEqual(apiMdCodes.length);

    const tenant = doc.paths['/v1/tenant'].get;
    expect(tenant.tags).toContain('tenant');
    expect(tenant.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/TenantDto');
    expect(tenant.responses['401']['x-error-codes']).toContain('unauthorized');
    expect(tenant.responses['403']['x-error-codes']).toEqual(expect.arrayContaining(['forbidden', 'tenant_mismatch', 'tenant_suspended']));
    expect(tenant.responses['429'].headers['Retry-After']).toBeDefined();
    expect(tenant.responses['429'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/ProblemDetails');
    expect(tenant.security).toBeUndefined(); // the global bearer requirement applies

    const health = doc.paths['/health'].get;
    expect(health.security).toEqual([]);
    expect(health.responses['401']).toBeUndefined();
    const login = doc.paths['/v1/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(login.responses['413']['x-error-codes']).toEqual(['payload_too_large']);
  });

  it('serves Swagger UI under a CSP that lets it load', async () => {
    const http = request(app.getHttpServer());
    const page = await http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = page.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/); // no inline script for the CSP to block
    for (const src of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])) {
      const asset = await http.get(src);
      expect(asset.status).toBe(200);
      expect(asset.body.length ?? asset.text.length).toBeGreaterThan(0);
    }
    expect((await http.get('/docs/swagger-ui-init.js')).text).toContain('/docs/openapi.json');
    expect((await http.get('/docs/package.json')).status).toBe(404);
  });
});
