import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES } from './openapi.js';
import { codeForStatus, ErrorCode, ERRORS } from './error-codes.js';
import { ConflictError, NotFoundError } from './errors.js';

describe('error codes', () => {
  it('are snake_case, unique, and each has a status and a meaning', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) {
      expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(ERRORS[code].status).toBeGreaterThanOrEqual(400);
      expect(ERRORS[code].when.length).toBeGreaterThan(10);
    }
  });

  it('give the OpenAPI error table exactly one row per code', () => {
    expect(ERROR_CODES.map((e) => e.code).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const row of ERROR_CODES) expect(row.status).toBe(ERRORS[row.code].status);
  });

  it('decide the status of an error from its code', () => {
    expect(new ConflictError()).toMatchObject({ status: 409, code: 'conflict' });
    expect(new NotFoundError()).toMatchObject({ status: 404, code: 'resource_not_found' });
  });

  it('name framework answers by status, and never invent a code', () => {
    expect(codeForStatus(405)).toBe(ErrorCode.MethodNotAllowed);
    expect(codeForStatus(418)).toBe(ErrorCode.HttpError);
    expect(codeForStatus(502)).toBe(ErrorCode.InternalError);
    for (const status of [400, 401, 403, 404, 405, 409, 413, 414, 415, 422, 429, 431, 500, 503]) {
      expect(Object.values(ErrorCode)).toContain(codeForStatus(status));
    }
  });
});
