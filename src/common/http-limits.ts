import { ErrorCode } from './error-codes.js';
import type { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { UriTooLongError, ValidationFailedError } from './errors.js';
import { findNulFields, urlMayHoldNul } from './json-body.js';
import { problemCode, problemTitle, sendProblem } from './problem.filter.js';

export interface RequestLineLimits {
  /** request target (path and query) in bytes; longer answers 414 */
  maxUrlBytes: number;
}

/**
 * onRequest check of the request line: a URL over the limit is 414 uri_too_long, a NUL character
 * in a query key or value (`%00`) is 400 naming the parameter. Neither repeats what was sent.
 */
export function guardRequestLine(
  req: FastifyRequest,
  limits: RequestLineLimits,
  done: (err?: Error) => void,
): void {
  const url = req.raw.url ?? '';
  if (url.length > limits.maxUrlBytes) {
    done(new UriTooLongError());
    return;
  }
  if (urlMayHoldNul(url)) {
    const fields = findNulFields(req.query);
    if (fields.length > 0) {
      done(new ValidationFailedError(fields, 'The query string holds a NUL character.'));
      return;
    }
  }
  done();
}

/**
 * Fastify's `frameworkErrors`: the router refuses a malformed URL (400) or an over-long route
 * parameter (414) before any hook runs, and its own answer repeats the path. This one is
 * problem+json with a fixed text and the request id.
 */
export function answerFrameworkError(err: Error, req: FastifyRequest, reply: FastifyReply, logger: Logger): void {
  void reply.header('X-Request-Id', req.id);
  sendProblem(req, reply, err, logger);
}

type ClientError = Error & { code?: string; rawPacket?: unknown };

const REQUEST_LINE_START = /^[A-Z]{3,10} /;

/** Whether a header overflow happened in the request line (a long URL) rather than in the headers. */
function overflowInRequestLine(packet: unknown, maxUrlBytes: number): boolean {
  if (!Buffer.isBuffer(packet)) return false;
  const head = packet.subarray(0, 16).toString('latin1');
  if (!REQUEST_LINE_START.test(head)) return false;
  const lineEnd = packet.indexOf('\r\n');
  return lineEnd === -1 || lineEnd > maxUrlBytes;
}

/**
 * Node's `clientError` (Fastify's `clientErrorHandler`): what Node could not parse into a request,
 * mainly a request line plus headers over `maxHeaderSize`. Answered on the socket as problem+json:
 * 414 when the request line alone is too long, 431 otherwise, 408 on a timeout, else 400. Nothing
 * of the request is repeated; the request id is new (the headers were never read).
 */
export function answerClientError(limits: RequestLineLimits) {
  return function onClientError(err: ClientError, socket: Socket): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    let status = 400;
    let detail = 'The request could not be read.';
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      if (overflowInRequestLine(err.rawPacket, limits.maxUrlBytes)) {
        status = 414;
        detail = 'The request URL is longer than the limit.';
      } else {
        status = 431;
        detail = 'The request headers are larger than the limit.';
      }
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      status = 408;
      detail = 'The request took too long to arrive.';
    }
    const requestId = randomUUID();
    const body = JSON.stringify({
      type: 'about:blank',
      title: problemTitle(status),
      status,
      code: status === 400 ? ErrorCode.BadRequest : problemCode(status),
      detail,
      requestId,
    });
    // end(), not destroy(): the client may still be sending, and a reset could lose the answer.
    socket.end(
      `HTTP/1.1 ${status} ${problemTitle(status)}\r\n` +
        'Content-Type: application/problem+json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
    setTimeout(() => socket.destroy(), 2000).unref();
  };
}
