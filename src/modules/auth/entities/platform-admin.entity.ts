import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A platform admin: no tenant, reachable only in platform scope (0004_auth.sql). */
@Entity({ name: 'platform_admins' })
export class PlatformAdminEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'email', type: 'text' })
  email: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'status', type: 'text' })
  status: string;

  /** owner, operator or viewer (0032; permissions.ts) */
  @Column({ name: 'role', type: 'text' })
  role: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
