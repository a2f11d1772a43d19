import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { AppConfig } from '../config/app-config.js';

/**
 * Paths pino censors wherever they appear (request headers, error details, objects handed to the
 * logger). Request and response bodies are never logged at all; this is the second line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  ...['password', 'newPassword', 'currentPassword', 'passwordHash', 'password_hash', 'initialPassword',
    'token', 'accessToken', 'refreshToken', 'idToken', 'secret', 'clientSecret', 'apiKey',
    'credentials', 'encryptionKey', 'jwtSecret'].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

export const REDACTED = '[redacted]';

/** pino options for the service: JSON lines (pretty in development), secrets censored. */
export function loggerOptions(config: AppConfig, pretty: boolean): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'tenancy-service', pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}

/**
 * The root pino logger of one app. `destination` (tests) wins over the pretty transport, which
 * is used only in development.
 */
export function createRootLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const pretty = !destination && config.nodeEnv === 'development';
  const options = loggerOptions(config, pretty);
  return destination ? pino(options, destination) : pino(options);
}

/** pino-http settings for nestjs-pino: a request-scoped child logger carrying the request id. */
export function pinoHttpOptions(logger: Logger) {
  return {
    logger,
    // The one-line-per-request log is written by the onResponse hook (request-log.hook.ts), which
    // knows the route template, tenant and user; pino-http only binds the request id.
    autoLogging: false,
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'requestId' },
    // middie copies Fastify's request id (the X-Request-Id) onto the raw request
    genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id?: string }).id ?? randomUUID(),
  };
}
