import { Injectable } from '@nestjs/common';
import { requestContext } from '../../common/request-context.js';

export interface UserRow {
  id: string;
  tenant_id: string;
  email: string;
  password_hash: string;
  role: string;
  status: string;
  created_at: Date;
  updated_at: Date;
}

/** Users of the current tenant; every query runs under the tenant's RLS context. */
@Injectable()
export class UsersRepository {
  async findByEmail(email: string): Promise<UserRow | undefined> {
    const em = await requestContext.tenantManager();
    const rows = await em.query('SELECT * FROM users WHERE email = $1', [email.toLowerCase()]);
    return rows[0];
  }

  async findById(id: string): Promise<UserRow | undefined> {
    const em = await requestContext.tenantManager();
    const rows = await em.query('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0];
  }

  /** Inserts into the current tenant: tenant_id comes from the context, never from a client. */
  async insert(user: { email: string; passwordHash: string; role: string }): Promise<UserRow> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `INSERT INTO users (tenant_id, email, password_hash, role)
       VALUES (app.current_tenant_id(), $1, $2, $3) RETURNING *`,
      [user.email.toLowerCase(), user.passwordHash, user.role],
    );
    return rows[0];
  }

  /** The first admin of a tenant, read in platform scope (provisioning). */
  async findFirstAdmin(tenantId: string): Promise<{ id: string; email: string } | undefined> {
    const em = await requestContext.platformManager();
    const rows = await em.query(
      `SELECT id, email FROM users WHERE tenant_id = $1 AND role = 'admin' ORDER BY created_at LIMIT 1`,
      [tenantId],
    );
    return rows[0];
  }

  /** A tenant's first admin, inserted in platform scope while the tenant is provisioned. */
  async insertFirstAdmin(tenantId: string, email: string, passwordHash: string): Promise<{ id: string; email: string }> {
    const em = await requestContext.platformManager();
    const rows = await em.query(
      `INSERT INTO users (tenant_id, email, password_hash, role) VALUES ($1, $2, $3, 'admin') RETURNING id, email`,
      [tenantId, email.toLowerCase(), passwordHash],
    );
    return rows[0];
  }

  /** One page of the tenant's users, oldest first; RLS limits the rows to the current tenant. */
  async page(limit: number, offset: number): Promise<{ rows: UserRow[]; total: number }> {
    const em = await requestContext.tenantManager();
    const [{ total }] = await em.query('SELECT count(*)::int AS total FROM users');
    const rows = await em.query('SELECT * FROM users ORDER BY created_at, id LIMIT $1 OFFSET $2', [limit, offset]);
    return { rows, total };
  }

  /** Sets the password hash of the user with `email`; returns the user's id, if there is one. */
  async setPassword(email: string, passwordHash: string): Promise<string | undefined> {
    const em = await requestContext.tenantManager();
    // TypeORM answers UPDATE … RETURNING with [rows, count]
    const [[user]] = await em.query(
      'UPDATE users SET password_hash = $2, updated_at = now() WHERE email = $1 RETURNING id',
      [email, passwordHash],
    );
    return user?.id;
  }

  async update(id: string, patch: { role?: string; status?: string }): Promise<UserRow | undefined> {
    const em = await requestContext.tenantManager();
    const rows = await em.query(
      `UPDATE users SET role = coalesce($2, role), status = coalesce($3, status), updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, patch.role ?? null, patch.status ?? null],
    );
    // TypeORM answers UPDATE … RETURNING with [rows, count]
    const list = Array.isArray(rows[0]) ? rows[0] : rows;
    return list[0];
  }

  async delete(id: string): Promise<boolean> {
    const em = await requestContext.tenantManager();
    const rows = await em.query('DELETE FROM users WHERE id = $1 RETURNING id', [id]);
    const list = Array.isArray(rows[0]) ? rows[0] : rows;
    return list.length > 0;
  }

  /** Role and status of a user for the per-request check: one primary-key lookup. */
  async access(id: string): Promise<{ role: string; status: string } | undefined> {
    const em = await requestContext.tenantManager();
    const rows = await em.query('SELECT role, status FROM users WHERE id = $1', [id]);
    return rows[0];
  }
}
