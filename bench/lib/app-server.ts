// Child-process entry of the benchmark: the real app (createApp) in production mode on
// loopback, plus the harness-only routes of bench-routes.ts. Not part of the service.
import 'reflect-metadata';
import { ConsoleLogger } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';
import { BenchRoutesModule } from './bench-routes.js';

async function main() {
  const config = loadConfig(process.env);
  if (!config.isProduction) throw new Error('the benchmark runs the app with NODE_ENV=production');
  const app = await createApp({
    config,
    database: {
      ownerUrl: config.databaseUrl!,
      tenantUrl: config.appDatabaseUrl!,
      platformUrl: config.platformDatabaseUrl!,
    },
    logger: new ConsoleLogger({ logLevels: ['error', 'warn'] }),
    extraModules: [
      BenchRoutesModule.forRoot({
        baselineUrl: process.env.BENCH_BASELINE_URL || undefined,
        poolSize: config.dbPoolSize,
      }),
    ],
  });
  await app.listen({ port: config.port, host: '127.0.0.1' });
  process.on('message', (m: { type?: string; file?: string }) => void profileCommand(m));
  process.send?.({ type: 'ready' });
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
}

// `--profile`: the harness profiles chosen legs only (the full stack's, not the baseline's), by
// starting and stopping V8's sampling profiler in this process through the inspector.
let profiler: Session | undefined;
async function profileCommand(m: { type?: string; file?: string }) {
  try {
    if (m.type === 'profile:start') {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
      await profiler.post('Profiler.start');
      process.send?.({ type: 'profile:started' });
    } else if (m.type === 'profile:stop' && profiler && m.file) {
      const { profile } = await profiler.post('Profiler.stop');
      profiler.disconnect();
      profiler = undefined;
      writeFileSync(m.file, JSON.stringify(profile));
      process.send?.({ type: 'profile:written', file: m.file });
    }
  } catch (err) {
    process.send?.({ type: 'profile:error', error: err instanceof Error ? err.message : String(err) });
  }
}

main().catch((err) => {
  process.send?.({ type: 'error', error: err instanceof Error ? err.message : String(err) });
  process.exit(1);
});
