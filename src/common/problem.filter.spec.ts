import { NotFoundException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { QueryFailedError } from 'typeorm';
import { SessionClosedError } from '../database/db-session.js';
import { problemFor, sendProblem } from './problem.filter.js';
import { ServiceUnavailableError, TenantBusyError, ValidationFailedError } from './errors.js';

const req = { url: '/v1/things/1?x=2', id: 'req-1', method: 'GET' } as unknown as FastifyRequest;

function pgError(code: string, message: string, detail?: string) {
  const driverError = Object.assign(new Error(message), { code, detail });
  return new QueryFailedError('INSERT INTO users (tenant_id, email) VALUES ($1, $2)', ['t', 'secret@b.test'], driverError);
}

describe('problemFor', () => {
  it('maps a unique violation to 409 conflict without repeating SQL, values or the constraint', () => {
    const { problem } = problemFor(
      pgError('23505', 'duplicate key value violates unique constraint "users_tenant_email_key"', 'Key (tenant_id, email)=(t, secret@b.test) already exists.'),
      req,
    );
    expect(problem).toMatchObject({ status: 409, code: 'conflict', instance: '/v1/things/1', requestId: 'req-1' });
    expect(JSON.stringify(problem)).not.toMatch(/INSERT|secret@b\.test|users_tenant_email_key|Key \(/);
  });

  it('maps an RLS WITH CHECK failure (42501) to a 404, never revealing the policy', () => {
    const { problem } = problemFor(pgError('42501', 'new row violates row-level security policy for table "resources"'), req);
    expect(problem).toMatchObject({ status: 404, code: 'resource_not_found' });
    expect(JSON.stringify(problem)).not.toMatch(/row-level|resources/);
  });

  it('answers unknown errors as a bare 500', () => {
    const { problem } = problemFor(new Error('connect ECONNREFUSED 10.0.0.1:5432 password=hunter2'), req);
    expect(problem).toEqual({
      type: 'about:blank', title: 'Internal Server Error', status: 500, code: 'internal_error',
      instance: '/v1/things/1', requestId: 'req-1',
    });
  });

  it('lists field errors for validation failures', () => {
    const { problem } = problemFor(new ValidationFailedError([{ field: 'email', message: 'email must be an email' }]), req);
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'email', message: 'email must be an email' }] });
  });

  it('answers unknown routes as 404 route_not_found', () => {
    const { problem } = problemFor(new NotFoundException('Cannot GET /nope'), req);
    expect(problem).toMatchObject({ status: 404, code: 'route_not_found' });
  });

  it('maps a NUL character refused by Postgres (22021 text, 22P05 jsonb) to 400, as a backstop', () => {
    for (const code of ['22021', '22P05']) {
      const { problem } = problemFor(pgError(code, 'invalid byte sequence for encoding "UTF8": 0x00'), req);
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed', errors: [] });
      expect(JSON.stringify(problem)).not.toMatch(/0x00|UTF8/);
    }
  });

  it('does not repeat a long path in instance', () => {
    const long = { ...req, url: `/v1/${'a'.repeat(3000)}` } as unknown as FastifyRequest;
    const { problem } = problemFor(new NotFoundException(), long);
    expect(problem.instance).toBeUndefined();
    expect(JSON.stringify(problem)).not.toContain('aaaa');
  });

  it('logs no error for a client gone away (bare or wrapped by TypeORM) or a deliberate 503, and logs the unexpected and a deliberate answer\'s cause', () => {
    const gone = new SessionClosedError('client closed the connection');
    const wrapped = new QueryFailedError('SELECT 1', [], gone);
    const failed = new Error('something broke');
    const errors: unknown[] = [];
    const logger = { error: (entry: unknown) => errors.push(entry) } as unknown as Parameters<typeof sendProblem>[3];
    const sent: string[] = [];
    const reply = {
      sent: false,
      raw: { headersSent: false },
      status() { return this; },
      headers() { return this; },
      header() { return this; },
      send(body: string) { sent.push(body); return this; },
    } as unknown as Parameters<typeof sendProblem>[1];
    for (const err of [gone, wrapped]) {
      const { problem, headers } = problemFor(err, req);
      expect(problem).toMatchObject({ status: 503, code: 'service_unavailable' });
      expect(headers).toEqual({ 'Retry-After': '1' });
      sendProblem(req, reply, err, logger);
    }
    const busy = new TenantBusyError();
    expect(problemFor(busy, req).problem).toMatchObject({ status: 503, code: 'tenant_busy' });
    sendProblem(req, reply, busy, logger);
    expect(errors).toEqual([]);
    sendProblem(req, reply, failed, logger);
    expect(errors).toEqual([expect.objectContaining({ requestId: 'req-1', err: failed })]);
    // a deliberate answer that carries a cause (the database down when a connection was opened) logs the cause
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    sendProblem(req, reply, new ServiceUnavailableError(undefined, undefined, refused), logger);
    expect(errors).toEqual([expect.objectContaining({ err: failed }), expect.objectContaining({ requestId: 'req-1', err: refused })]);
    expect(sent.map((b) => JSON.parse(b).status)).toEqual([503, 503, 503, 500, 503]);
  });
});
