import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An entry of the platform audit trail; append-only for the platform role (0010_registry.sql). */
@Entity({ name: 'platform_audit_logs' })
export class PlatformAuditLogEntity {
  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  /** an admin's id, or the transaction's actor (a job, the CLI) */
  @Column({ name: 'actor_id', type: 'text', nullable: true })
  actorId: string | null;

  @Column({ name: 'action', type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ name: 'target_tenant_id', type: 'uuid', nullable: true })
  targetTenantId: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'detail', type: 'jsonb' })
  detail: Record<string, any>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
