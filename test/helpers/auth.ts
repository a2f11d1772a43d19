import type { INestApplication } from '@nestjs/common';
import argon2 from 'argon2';
import { randomBytes, randomUUID } from 'node:crypto';
import { TokenService } from '../../src/modules/auth/token.service.js';
import { platformCommit } from './db.js';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: string;
  tenantId: string;
}

// Cheap hashes keep factories fast; the service's own hashing is tested through the API.
const FAST = { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 } as const;

/** A committed user of `tenantId` (inserted as the platform role). */
export async function createUser(
  tenantId: string,
  opts: { role?: string; email?: string; password?: string; status?: string } = {},
): Promise<TestUser> {
  const email = (opts.email ?? `user-${randomBytes(4).toString('hex')}@example.test`).toLowerCase();
  const password = opts.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const role = opts.role ?? 'member';
  const hash = await argon2.hash(password, FAST);
  const id = await platformCommit(async (sql) => {
    const { rows } = await sql.query(
      `INSERT INTO users (tenant_id, email, password_hash, role, status) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [tenantId, email, hash, role, opts.status ?? 'active'],
    );
    return rows[0].id as string;
  });
  return { id, email, password, role, tenantId };
}

/** A committed platform admin (an owner unless `role` says otherwise). */
export async function createPlatformAdmin(opts: { email?: string; password?: string; role?: string; status?: string } = {}) {
  const email = (opts.email ?? `padmin-${randomBytes(4).toString('hex')}@platform.test`).toLowerCase();
  const password = opts.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const role = opts.role ?? 'owner';
  const hash = await argon2.hash(password, FAST);
  const id = await platformCommit(async (sql) => {
    const { rows } = await sql.query(
      'INSERT INTO platform_admins (email, password_hash, role, status) VALUES ($1, $2, $3, $4) RETURNING id',
      [email, hash, role, opts.status ?? 'active'],
    );
    return rows[0].id as string;
  });
  return { id, email, password, role };
}

/** A signed tenant access token, as the service would issue it. */
export function tenantToken(
  app: INestApplication,
  p: { tenantId: string; userId: string; role: string; subdomain?: string },
): string {
  return app.get(TokenService).signAccess({
    scope: 'tenant',
    subject: p.userId,
    tenantId: p.tenantId,
    subdomain: p.subdomain,
    role: p.role,
  });
}

/**
 * A signed platform access token for a newly created platform admin. The service re-reads the
 * admin on every request, so a token needs a real, active admin behind it.
 */
export async function platformAdminToken(app: INestApplication): Promise<string> {
  return platformToken(app, (await createPlatformAdmin()).id);
}

/**
 * A signed platform access token (for an existing admin's id; a made-up id gets 401). `role` must
 * be the admin's role: the service refuses a token whose role is not the admin's current one.
 */
export function platformToken(app: INestApplication, adminId: string = randomUUID(), role = 'owner'): string {
  return app.get(TokenService).signAccess({ scope: 'platform', subject: adminId, role });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
