import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../../src/config/app-config.js';
import { TokenService } from '../../src/modules/auth/token.service.js';

/** Signs access tokens exactly as the service does, with the secret the app was started with. */
export function tokenSigner(config: AppConfig) {
  const tokens = new TokenService(new JwtService({}), config);
  return {
    tenant(p: { tenantId: string; userId: string; role?: string; subdomain?: string }): string {
      return tokens.signAccess({
        scope: 'tenant',
        subject: p.userId,
        tenantId: p.tenantId,
        subdomain: p.subdomain,
        role: p.role ?? 'member',
      });
    },
    platform(adminId: string): string {
      return tokens.signAccess({ scope: 'platform', subject: adminId, role: 'owner' });
    },
  };
}

export type TokenSigner = ReturnType<typeof tokenSigner>;
