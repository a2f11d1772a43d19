import { Module, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import type { AppConfig } from '../config/app-config.js';
import { createRootLogger, pinoHttpOptions } from './logging.js';
import { RequestLogHook, ROOT_LOGGER } from './request-log.hook.js';

/**
 * Structured logs through pino (nestjs-pino): Nest's Logger writes JSON lines that carry the
 * request id of the request they belong to; one line per request from RequestLogHook.
 * Note: nestjs-pino keeps its request middleware process-wide, so several apps in one process
 * (tests) share the first app's destination for in-request lines; the per-request line is per app.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: AppConfig, destination?: DestinationStream, rootLogger?: Logger): DynamicModule {
    const root = rootLogger ?? createRootLogger(config, destination);
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(root) })],
      providers: [{ provide: ROOT_LOGGER, useValue: root }, RequestLogHook],
      exports: [ROOT_LOGGER],
    };
  }
}
