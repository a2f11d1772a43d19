import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '../../config/app-config.js';
import type { DatabaseSessions } from '../../database/database-sessions.js';
import type { PasswordService } from './password.service.js';
import { PlatformAdminsRepository } from './platform-admins.repository.js';
import { UsersRepository } from './users.repository.js';

const logger = new Logger('AuthBootstrap');
const generated = () => randomBytes(12).toString('hex');
// Runs before or outside Nest's injection (main.ts, tests); the repositories hold no state.
const admins = new PlatformAdminsRepository();
const users = new UsersRepository();

/**
 * Creates the first platform admin (PLATFORM_ADMIN_EMAIL / PLATFORM_ADMIN_PASSWORD) when none
 * exists. In development a missing password is generated and printed once.
 */
export async function ensurePlatformAdmin(config: AppConfig, sessions: DatabaseSessions, passwords: PasswordService) {
  const wanted = config.platformAdmin;
  if (!wanted) return;
  await sessions.runAsPlatform('bootstrap', async () => {
    if (await admins.any()) return;
    if (!wanted.password && config.isProduction) {
      logger.warn('PLATFORM_ADMIN_PASSWORD is not set: no platform admin was created');
      return;
    }
    const password = wanted.password ?? generated();
    await admins.insertIfAbsent(wanted.email, await passwords.hash(password));
    logger.log(
      wanted.password
        ? `created platform admin ${wanted.email}`
        : `created platform admin ${wanted.email} with password ${password} (shown once; development only)`,
    );
  });
}

/** Development only: an admin user for the demo tenant, its password printed once (then true). */
export async function ensureDemoAdmin(tenantId: string, sessions: DatabaseSessions, passwords: PasswordService): Promise<boolean> {
  return sessions.runAsTenant(tenantId, async () => {
    if ((await users.count()) > 0) return false;
    const email = 'admin@demo.local';
    const password = generated();
    await users.insert({ email, passwordHash: await passwords.hash(password), role: 'admin' });
    logger.log(`created demo tenant admin ${email} with password ${password} (shown once; development only)`);
    return true;
  });
}
