import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage } from 'node:http';
import type { LoggerService } from '@nestjs/common';
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

/** Nest's own start-up chatter (module wiring, one line per route): debug level, not info. */
const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest passes the context as the last extra argument of a log call. */
const contextOf = (params: unknown[]) => (typeof params.at(-1) === 'string' ? (params.at(-1) as string) : undefined);

/**
 * Nest's logger over the service's one format: every line, from before the app exists (the
 * database's preparation) to shutdown, is a pino line. Start-up wiring goes to debug.
 */
export class ServiceLogger implements LoggerService {
  /** `inner`: nestjs-pino's logger once the app exists (it binds the request id); before, pino itself */
  constructor(private readonly root: Logger, private readonly inner?: LoggerService) {}

  log(message: unknown, ...params: unknown[]) {
    if (STARTUP_CONTEXTS.has(contextOf(params) ?? '')) return this.debug(message, ...params);
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]) {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]) {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]) {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]) {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]) {
    this.write('fatal', message, params);
  }

  private write(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, params: unknown[]) {
    if (this.inner) {
      const method = level === 'trace' ? 'verbose' : level === 'info' ? 'log' : level;
      this.inner[method]?.(message, ...params);
      return;
    }
    const context = contextOf(params);
    if (typeof message === 'object' && message !== null) this.root[level]({ context, ...message });
    else this.root[level]({ context }, String(message));
  }
}
