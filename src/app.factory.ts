import { Logger, type DynamicModule, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppOptions } from './app.module.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface CreateAppOptions extends AppOptions {
  logger?: LoggerService | false;
  /** extra modules (the benchmark harness and tests add routes this way) */
  extraModules?: DynamicModule['imports'];
}

/** Builds the Nest application on Fastify (not listening yet). */
export async function createApp(options: CreateAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.config.bodyLimitBytes,
    // Echo a sane incoming X-Request-Id, else make one.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    logger: false,
    return503OnClosing: true,
  });
  adapter.getInstance().addHook('onRequest', (req, reply, done) => {
    void reply.header('X-Request-Id', req.id);
    done();
  });
  const root = AppModule.forRoot(options);
  root.imports = [...(root.imports ?? []), ...(options.extraModules ?? [])];
  const app = await NestFactory.create<NestFastifyApplication>(root, adapter, {
    logger: options.logger ?? new Logger(),
    bufferLogs: false,
    abortOnError: false,
  });
  try {
    await app.init();
  } catch (err) {
    // e.g. the start-up self-check refused: close the pools that were opened
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}
