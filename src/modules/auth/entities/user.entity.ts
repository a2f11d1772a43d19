import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tenant's user (0004_auth.sql); email is stored lower-cased. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'email', type: 'text' })
  email: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash: string;

  @Column({ name: 'role', type: 'text' })
  role: string;

  @Column({ name: 'status', type: 'text' })
  status: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
