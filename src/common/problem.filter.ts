import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionClosedError } from '../database/db-session.js';
import { driverErrorOf, mapPostgresError, sqlState } from '../database/pg-errors.js';
import { codeForStatus, ErrorCode } from './error-codes.js';
import { AppError, type FieldError } from './errors.js';
import { routeTableOf } from './route-table.js';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  /** the path; left out when it is longer than MAX_INSTANCE_LENGTH (a hostile URL is not repeated) */
  instance?: string;
  requestId: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict',
  413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};


/** Longer paths are not repeated in `instance` (no route of the API comes near). */
const MAX_INSTANCE_LENGTH = 512;

/** `title` of a status (also used for answers written straight to the socket). */
export const problemTitle = (status: number) => TITLES[status] ?? 'Error';
/** `code` of a status when nothing more specific is known. */
export const problemCode = (status: number): ErrorCode => codeForStatus(status);

// Fixed texts for Fastify's own errors: theirs can repeat the path (FST_ERR_BAD_URL) or say
// more than a client needs.
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is larger than the limit.',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Send the body as application/json.',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The request body is empty but its content type is application/json.',
  FST_ERR_CTP_INVALID_JSON_BODY: 'The request body is not valid JSON.',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'The request body does not match its Content-Length.',
  FST_ERR_BAD_URL: 'The request URL is not valid.',
  FST_ERR_MAX_PARAM_LENGTH: 'The request URL is longer than the limit.',
};

/** Turns any error into RFC 9457 problem details (see problemFor). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(err: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    sendProblem(req, reply, err, this.logger);
  }
}

/** Builds the problem for `err` and sends it; unknown errors are logged and answered bare. */
export function sendProblem(req: FastifyRequest, reply: FastifyReply, err: unknown, logger: Logger) {
  const { problem, headers } = problemFor(err, req);
  // What went wrong, for the log: the error itself, or for a deliberate answer (an AppError, such
  // as 503 tenant_busy, load shed under a flood) only the cause it carries (the database down when
  // a connection was opened); the request's own log line records the answer. A request whose
  // client went away fails on its next query (SessionClosedError, bare or wrapped by TypeORM), and
  // nobody reads the answer.
  const cause = err instanceof AppError ? err.cause : err;
  if (problem.status >= 500 && cause !== undefined && !sessionClosed(err)) {
    // The stack goes to the log only (pino's err serializer: type, message, stack), tagged with
    // the request id; the answer carries neither.
    logger.error({
      msg: `request ${problem.requestId} ${req.method} ${req.routeOptions?.url ?? 'unmatched'} failed`,
      requestId: problem.requestId,
      err: cause instanceof Error ? cause : new Error(String(cause)),
      ...(sqlState(cause) ? { sqlState: sqlState(cause) } : {}),
    });
  }
  if (reply.sent || reply.raw.headersSent) return;
  void reply
    .status(problem.status)
    .headers(headers)
    .header('Content-Type', 'application/problem+json; charset=utf-8')
    .send(JSON.stringify(problem));
}

/** The session's own "closed" error, also when TypeORM wrapped it in a QueryFailedError (`driverError`). */
function sessionClosed(err: unknown): boolean {
  return driverErrorOf(err) instanceof SessionClosedError;
}

export function problemFor(
  err: unknown,
  req: FastifyRequest,
): { problem: ProblemDetails; headers: Record<string, string> } {
  const path = req.url.split('?')[0];
  const base = {
    type: 'about:blank',
    ...(path.length <= MAX_INSTANCE_LENGTH ? { instance: path } : {}),
    requestId: String(req.id),
  };
  const make = (status: number, code: ErrorCode, detail?: string, errors?: FieldError[]) => ({
    ...base,
    title: problemTitle(status),
    status,
    code,
    ...(detail ? { detail } : {}),
    ...(errors ? { errors } : {}),
  });

  if (sessionClosed(err)) {
    return { problem: make(503, ErrorCode.ServiceUnavailable, 'The request was abandoned.'), headers: { 'Retry-After': '1' } };
  }
  const mapped = err instanceof AppError ? err : mapPostgresError(err);
  if (mapped) {
    return {
      problem: make(mapped.status, mapped.code, mapped.detail, mapped.status === 400 ? (mapped.fieldErrors ?? []) : undefined),
      headers: mapped.headers ?? {},
    };
  }
  // Errors raised by Fastify itself (body parsing, limits, media type, router), as they come
  // or wrapped by Nest's adapter into an HttpException: their messages can repeat the path.
  const fst = fastifyError(err) ?? fastifyError(err instanceof HttpException ? err.cause : undefined);
  if (fst) {
    const status = fst.statusCode;
    const detail =
      FASTIFY_DETAILS[fst.code] ??
      (status === 413
        ? FASTIFY_DETAILS.FST_ERR_CTP_BODY_TOO_LARGE
        : status === 415
          ? FASTIFY_DETAILS.FST_ERR_CTP_INVALID_MEDIA_TYPE
          : 'The request is not valid.');
    return {
      problem: make(status, status === 400 ? ErrorCode.ValidationFailed : codeForStatus(status), detail, status === 400 ? [] : undefined),
      headers: {},
    };
  }
  if (err instanceof HttpException && err.getStatus() === 404) {
    // no route matched: a path that exists with other methods is 405 with the methods it has
    // (a matched route answering 404 itself, such as a missing static file, stays 404)
    const allowed = req.server ? routeTableOf(req.server).allowedMethods(path) : [];
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.length > 0 && !allowed.includes(method)) {
      return {
        problem: make(405, ErrorCode.MethodNotAllowed, `This path allows ${allowed.join(', ')}.`),
        headers: { Allow: allowed.join(', ') },
      };
    }
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const detail =
      status === 404 ? 'No route matches this path.' : status < 500 ? safeMessage(err) : undefined;
    return {
      problem: make(status, codeForStatus(status), detail, status === 400 ? [] : undefined),
      headers: {},
    };
  }
  return { problem: make(500, ErrorCode.InternalError), headers: {} };
}

function fastifyError(err: unknown): { statusCode: number; code: string } | undefined {
  const e = err as { statusCode?: unknown; code?: unknown } | undefined;
  return typeof e?.statusCode === 'number' && e.statusCode < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')
    ? (e as { statusCode: number; code: string })
    : undefined;
}

function safeMessage(err: HttpException): string | undefined {
  const res = err.getResponse();
  const message = typeof res === 'string' ? res : (res as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}
