import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEndpoints, testRoleEnv } from './env.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment of a CLI child process on the test database (URLs from the global setup). */
export function cliEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const { NODE_OPTIONS: _jestOnly, ...parentEnv } = process.env;
  const db = testEndpoints();
  return {
    ...(parentEnv as Record<string, string>),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    // the run's own runtime roles, given by URL: no role DDL at start (mode (c))
    DATABASE_URL: db.ownerUrl,
    APP_DATABASE_URL: db.tenantUrl,
    PLATFORM_DATABASE_URL: db.platformUrl,
    ...testRoleEnv(),
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789abcdef',
    ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    BASE_DOMAIN: 'localtest.me',
    ...overrides,
  };
}

/**
 * Runs a built CLI (`node dist/src/cli/<name>.js`, what its npm script runs after the build) as a
 * child process, in an empty working directory (no developer .env) with its own DATA_DIR.
 */
export async function runCli(
  name: string,
  args: string[] = [],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tenancy-cli-'));
  chmodSync(dir, 0o755);
  try {
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/cli', `${name}.js`), ...args], {
      cwd: dir,
      env: cliEnv({ DATA_DIR: dir, ...opts.env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45_000);
    const code = await new Promise<number | null>((ok) => child.once('close', (c) => ok(c)));
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
