#!/usr/bin/env node
// `npm start` and the CLIs build through this: when no source, tsconfig or package file changed
// since the last build (modification times, directories included so a deleted file counts), the
// compiler is not even started; otherwise `tsc -p tsconfig.build.json`, which is incremental
// (tsBuildInfoFile dist/.tsbuildinfo.build) and re-checks and re-emits only what changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'bench', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json'];

function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  let latest = stat.mtimeMs;
  if (stat.isDirectory()) {
    for (const entry of readdirSync(path)) {
      if (entry === 'results' || entry === 'node_modules') continue;
      latest = Math.max(latest, newest(join(path, entry)));
    }
  }
  return latest;
}

const built = existsSync(stamp) && existsSync(join(root, 'dist', 'src', 'main.js')) ? statSync(stamp).mtimeMs : 0;
const changed = Math.max(...inputs.map((p) => newest(join(root, p))));
if (built > 0 && changed <= built) process.exit(0);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const started = Date.now();
const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
// dated when the compile started: a file saved while it ran is newer, so the next start rebuilds
utimesSync(stamp, new Date(started), new Date(started));
console.error(`[build] compiled in ${Date.now() - started} ms`);
