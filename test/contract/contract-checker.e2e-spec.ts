import { Controller, Get, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import request from 'supertest';
import { buildOpenApiDocument } from '../../src/common/openapi.js';
import { Public } from '../../src/common/route-scope.js';
import { ContractChecker, contractStats } from '../helpers/contract.js';
import { createTestApp } from '../helpers/create-app.js';

class DriftDto {
  @ApiProperty() name: string;
  @ApiProperty({ type: 'integer' }) size: number;
}

/** A route whose answer drifted from what it documents (an extra field, a string for a number). */
@Public()
@ApiTags('contract-probe')
@Controller('contract-probe')
class DriftController {
  @Get('drift')
  @ApiOperation({ summary: 'answers more than it documents' })
  @ApiOkResponse({ type: DriftDto })
  drift() {
    return { name: 'x', size: '3', secret: 'undocumented' };
  }
}
@Module({ controllers: [DriftController] })
class DriftModule {}

describe('the contract check: every answer of a test app against its /docs/openapi.json', () => {
  let app: NestFastifyApplication;
  let checker: ContractChecker;
  beforeAll(async () => {
    app = await createTestApp();
    checker = new ContractChecker(buildOpenApiDocument(app));
  });
  afterAll(() => app.close());

  it('accepts what the document describes', () => {
    expect(checker.check({ method: 'GET', route: '/health', status: 200, contentType: 'application/json; charset=utf-8', body: '{"status":"ok"}' })).toBeUndefined();
    const problem = JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, code: 'resource_not_found', requestId: 'r' });
    expect(checker.check({ method: 'GET', route: '/v1/resources/:id', status: 404, contentType: 'application/problem+json', body: problem })).toBeUndefined();
    expect(checker.check({ method: 'GET', route: undefined, status: 404, contentType: 'application/problem+json', body: problem })).toBeUndefined();
  });

  it('names a drifted body, an undocumented status or route, and a 404 that is not problem+json', () => {
    const tenant = (body: object) =>
      checker.check({ method: 'GET', route: '/v1/tenant', status: 200, contentType: 'application/json', body: JSON.stringify(body) });
    expect(tenant({ id: 'x' })).toMatch(/does not match the document: \/ must have required property/);
    expect(checker.check({ method: 'GET', route: '/health', status: 200, contentType: 'application/json', body: '{"status":"ok","extra":1}' }))
      .toMatch(/must NOT have additional properties \(extra\)/);
    expect(checker.check({ method: 'GET', route: '/health', status: 418, contentType: 'application/json', body: '{}' }))
      .toBe('GET /health → 418: status not documented (documented: 200, 500)');
    expect(checker.check({ method: 'GET', route: '/v1/nowhere', status: 200, contentType: 'application/json', body: '{}' }))
      .toBe('GET /v1/nowhere → 200: the route is not in the document');
    expect(checker.check({ method: 'GET', route: undefined, status: 404, contentType: 'text/html', body: '<h1>no</h1>' }))
      .toMatch(/instead of problem\+json/);
    const badCode = JSON.stringify({ type: 'about:blank', title: 'x', status: 404, code: 'no_such_code', requestId: 'r' });
    expect(checker.check({ method: 'GET', route: undefined, status: 404, contentType: 'application/problem+json', body: badCode }))
      .toMatch(/\/code must be equal to one of the allowed values/);
  });

  it("fails the test app's close() when an answer drifted, naming the route and the field", async () => {
    const drifting = await createTestApp({ extraModules: [DriftModule] });
    const before = contractStats.checked;
    const res = await request(drifting.getHttpServer()).get('/contract-probe/drift');
    expect(res.status).toBe(200);
    expect(contractStats.checked).toBe(before + 1);
    await expect(drifting.close()).rejects.toThrow(
      /GET \/contract-probe\/drift → 200: the body does not match the document: .*additional properties \(secret\).*\/size must be integer/s,
    );
  });
});
