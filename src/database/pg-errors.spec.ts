import { QueryFailedError } from 'typeorm';
import { isUnavailable } from './pg-errors.js';

const socketError = (code: string) => Object.assign(new Error(`${code.toLowerCase()} on the socket`), { code });
const pgError = (code: string) => Object.assign(new Error('from Postgres'), { code });
const wrapped = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isUnavailable', () => {
  it('takes a socket error for an unavailable database, bare or wrapped by TypeORM (EPIPE looks like a SQLSTATE)', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'ECONNREFUSED']) {
      expect({ code, bare: isUnavailable(socketError(code)), wrapped: isUnavailable(wrapped(socketError(code))) })
        .toEqual({ code, bare: true, wrapped: true });
    }
  });

  it('goes by the SQLSTATE otherwise: connection classes and shutdowns yes, a unique violation no', () => {
    expect(isUnavailable(wrapped(pgError('57P01')))).toBe(true);
    expect(isUnavailable(pgError('08006'))).toBe(true);
    expect(isUnavailable(wrapped(pgError('23505')))).toBe(false);
    expect(isUnavailable(new Error('something else'))).toBe(false);
  });
});
