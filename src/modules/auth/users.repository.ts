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
}
