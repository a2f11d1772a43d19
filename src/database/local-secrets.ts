import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Development-only secrets, generated once and kept under the data directory (mode 0600). */
export interface LocalSecrets {
  superuserPassword: string;
  ownerPassword: string;
  appPassword: string;
  platformPassword: string;
  jwtSecret: string;
  encryptionKey: string;
}

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  const current: Partial<LocalSecrets> = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : {};
  const secret = () => randomBytes(24).toString('base64url');
  const full: LocalSecrets = {
    superuserPassword: current.superuserPassword ?? secret(),
    ownerPassword: current.ownerPassword ?? secret(),
    appPassword: current.appPassword ?? secret(),
    platformPassword: current.platformPassword ?? secret(),
    jwtSecret: current.jwtSecret ?? randomBytes(32).toString('base64url'),
    encryptionKey: current.encryptionKey ?? randomBytes(32).toString('base64'),
  };
  if (JSON.stringify(full) !== JSON.stringify(current)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(full, null, 2), { mode: 0o600 });
  }
  return full;
}
