import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An entry of a tenant's audit trail; append-only for both runtime roles (0004_auth.sql). */
@Entity({ name: 'audit_logs' })
export class AuditLogEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId: string | null;

  @Column({ name: 'action', type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text', nullable: true })
  targetType: string | null;

  @Column({ name: 'target_id', type: 'text', nullable: true })
  targetId: string | null;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId: string | null;

  @Column({ name: 'ip', type: 'text', nullable: true })
  ip: string | null;

  @Column({ name: 'detail', type: 'jsonb' })
  detail: Record<string, any>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
