import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../src/database/embedded-postgres.js';
import type { BenchDatabase } from './database.js';

export interface AppProcess {
  baseUrl: string;
  pid: number;
  /** resident set size of the app process, in MiB (from /proc) */
  rssMiB(): number;
  /** Runs `leg` under V8's CPU profiler in the app process and writes the profile to `file`. */
  profiled<T>(file: string, leg: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts the built app (dist/src) in production mode as a child process listening on loopback
 * only, with the harness's extra routes (bench-routes.ts). `env` carries the generated secrets.
 */
export async function startApp(opts: {
  db: BenchDatabase;
  env: Record<string, string>;
  baselineUrl?: string;
  execArgv?: string[];
  log: (line: string) => void;
}): Promise<AppProcess> {
  const port = await freePort();
  const child: ChildProcess = fork(join(import.meta.dirname, 'app-server.js'), [], {
    env: {
      PATH: process.env.PATH ?? '',
      ...opts.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: opts.db.ownerUrl,
      APP_DATABASE_URL: opts.db.tenantUrl,
      PLATFORM_DATABASE_URL: opts.db.platformUrl,
      BENCH_BASELINE_URL: opts.baselineUrl ?? '',
    },
    execArgv: opts.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the app did not start within 60 s')), 60_000);
    child.once('message', (m: { type?: string; error?: string }) => {
      clearTimeout(timer);
      if (m?.type === 'ready') ok();
      else fail(new Error(`the app failed to start: ${m?.error ?? JSON.stringify(m)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`the app exited with code ${code} before it was ready`));
    });
  });
  const pid = child.pid!;
  const reply = (type: string) =>
    new Promise<void>((ok, fail) => {
      const on = (m: { type?: string; error?: string }) => {
        if (m?.type !== type && m?.type !== 'profile:error') return;
        child.off('message', on);
        if (m.type === type) ok();
        else fail(new Error(`profiling the app failed: ${m.error}`));
      };
      child.on('message', on);
    });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid,
    rssMiB() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
      return Math.round((kb / 1024) * 10) / 10;
    },
    async profiled<T>(file: string, leg: () => Promise<T>): Promise<T> {
      const started = reply('profile:started');
      child.send({ type: 'profile:start' });
      await started;
      try {
        return await leg();
      } finally {
        const written = reply('profile:written');
        child.send({ type: 'profile:stop', file });
        await written;
      }
    },
    stop() {
      return new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(timer);
          ok();
        });
        child.kill('SIGTERM');
      });
    },
  };
}
