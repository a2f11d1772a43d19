import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { requestContext } from '../../common/request-context.js';
import type { AppConfig } from '../../config/app-config.js';
import type { DatabaseSessions } from '../../database/database-sessions.js';
import type { PasswordService } from './password.service.js';

const logger = new Logger('AuthBootstrap');
const generated = () => randomBytes(12).toString('hex');

/**
 * Creates the first platform admin (PLATFORM_ADMIN_EMAIL / PLATFORM_ADMIN_PASSWORD) when none
 * exists. In development a missing password is generated and printed once.
 */
export async function ensurePlatformAdmin(config: AppConfig, sessions: DatabaseSessions, passwords: PasswordService) {
  const wanted = config.platformAdmin;
  if (!wanted) return;
  await sessions.runAsPlatform('bootstrap', async () => {
    const em = await requestContext.platformManager();
    const [{ n }] = await em.query('SELECT count(*)::int AS n FROM platform_admins');
    if (n > 0) return;
    if (!wanted.password && config.isProduction) {
      logger.warn('PLATFORM_ADMIN_PASSWORD is not set: no platform admin was created');
      return;
    }
    const password = wanted.password ?? generated();
    await em.query(
      'INSERT INTO platform_admins (email, password_hash) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING',
      [wanted.email, await passwords.hash(password)],
    );
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
    const em = await requestContext.tenantManager();
    const [{ n }] = await em.query('SELECT count(*)::int AS n FROM users');
    if (n > 0) return false;
    const email = 'admin@demo.local';
    const password = generated();
    await em.query(
      `INSERT INTO users (tenant_id, email, password_hash, role) VALUES (app.current_tenant_id(), $1, $2, 'admin')`,
      [email, await passwords.hash(password)],
    );
    logger.log(`created demo tenant admin ${email} with password ${password} (shown once; development only)`);
    return true;
  });
}
