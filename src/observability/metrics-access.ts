import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthorizedError } from '../common/errors.js';
import { AppConfig } from '../config/app-config.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether an Authorization header carries `Bearer <expected>`. Compared as SHA-256 digests with
 * timingSafeEqual: constant time, and the length of the token is not given away either.
 */
export function bearerMatches(expected: string, header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer ([^\s]+)$/i.exec(value?.trim() ?? '');
  return timingSafeEqual(digest(match?.[1] ?? ''), digest(expected)) && match !== null;
}

/** GET /metrics with METRICS_TOKEN set: 401 unless the request carries that bearer token. */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const token = this.config.metrics.token;
    if (!token) return true;
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (!bearerMatches(token, req.headers.authorization)) {
      throw new UnauthorizedError('GET /metrics needs the metrics bearer token.');
    }
    return true;
  }
}
