import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One grantee of a selective resource; tenant_id is the owner (0020_sharing.sql). */
@Entity({ name: 'resource_shares' })
export class ResourceShareEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'resource_id', type: 'uuid' })
  resourceId: string;

  @PrimaryColumn({ name: 'grantee_tenant_id', type: 'uuid' })
  granteeTenantId: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
