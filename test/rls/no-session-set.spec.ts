import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : /\.(ts|sql)$/.test(name) ? [path] : [];
  });
}

// docs/isolation.md 18: the tenant is only ever set transaction-locally (the connection probe after
// release is in test/integration/tenant-context.spec.ts).
describe('no session-level SET of the tenant', () => {
  const files = [...sources('src'), ...sources('migrations')];

  it('finds the source files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('never SETs app.* at session level and never calls set_config(…, false)', () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [i, line] of text.split('\n').entries()) {
        if (/^\s*(--|\/\/|\*)/.test(line)) continue; // comments
        if (/\bSET\s+(SESSION\s+)?"?app\./i.test(line) && !/SET\s+LOCAL/i.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        if (/set_config\s*\([^)]*,\s*false\s*\)/i.test(line)) offenders.push(`${file}:${i + 1}: ${line.trim()}`);
        if (/set_config\s*\(\s*'app\.[^']+'\s*,\s*'[^$]/i.test(line) && !/'app\.scope'\s*,\s*'platform'/.test(line)) {
          offenders.push(`${file}:${i + 1}: interpolated value: ${line.trim()}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
