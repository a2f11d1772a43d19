import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A row of `tenants` (migrations 0003, 0024). Written only by the tenant module's repository. */
@Entity({ name: 'tenants' })
export class TenantEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id' })
  id: string;

  @Column({ name: 'subdomain', type: 'text' })
  subdomain: string;

  @Column({ name: 'company_name', type: 'text' })
  companyName: string;

  @Column({ name: 'type', type: 'text', default: 'client' })
  type: string;

  @Column({ name: 'tier', type: 'text', default: 'free' })
  tier: string;

  @Column({ name: 'status', type: 'text', default: 'provisioning' })
  status: string;

  @Column({ name: 'settings', type: 'jsonb', default: () => "'{}'::jsonb" })
  settings: Record<string, any>;

  @Column({ name: 'metadata', type: 'jsonb', default: () => "'{}'::jsonb" })
  metadata: Record<string, any>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true })
  suspendedAt: Date | null;

  @Column({ name: 'suspended_reason', type: 'text', nullable: true })
  suspendedReason: string | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'purge_after', type: 'timestamptz', nullable: true })
  purgeAfter: Date | null;

  /**
   * status = 'active', computed by Postgres (the resources' owner_active key, 0024); never written.
   * Nullable as the catalog has it (a generated column without NOT NULL); never null, since status is NOT NULL.
   */
  @Column({
    name: 'active', type: 'boolean', nullable: true, insert: false, update: false,
    generatedType: 'STORED', asExpression: "status = 'active'",
  })
  active: boolean;
}
