import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliEnv } from '../helpers/cli.js';

/**
 * The service's own start (`node dist/src/main.js`, what `npm start` runs) on the test database:
 * a few lines that say where it listens, which database and roles, and what to try; Nest's
 * route mapping only at debug; one format.
 */
describe('the start-up log', () => {
  it('is a few JSON lines: where it listens, which database and roles, what to try', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenancy-start-'));
    chmodSync(dir, 0o755);
    const child = spawn(process.execPath, [join(process.cwd(), 'dist/src/main.js')], {
      cwd: dir,
      env: cliEnv({ DATA_DIR: dir, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', SEED_DEMO: 'false' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    try {
      // the signal: the last start-up line ("try: …"), or the process ending
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (/"msg":"try: /.test(stdout)) resolve();
        });
        child.once('close', () => reject(new Error(`exited before starting: ${stdout}\n${stderr}`)));
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((ok) => child.once('close', ok));
      rmSync(dir, { recursive: true, force: true });
    }
    const startUp = stdout.slice(0, stdout.indexOf('"msg":"try: ')).split('\n').length;
    const lines = stdout.trim().split('\n').slice(0, startUp);
    expect(stdout).not.toContain('\u001b['); // no ANSI colour codes
    const entries = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(entries.length).toBeLessThanOrEqual(8);
    expect(entries.every((e) => e.level === 'info')).toBe(true);
    const text = entries.map((e) => e.msg).join('\n');
    expect(text).not.toMatch(/Mapped \{|dependencies initialized/);
    expect(text).toMatch(/listening on http:\/\/localhost:\d+/);
    expect(text).toMatch(/database: .* as \S+ \(owner\); runtime roles tenancy_app_t\w+ \(tenant\) and tenancy_platform_t\w+ \(platform\)/);
    expect(text).toMatch(/try: curl/);
    expect(stderr).toBe('');
  });
});
