import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A resource of its owner tenant, private, global or selective (0020_sharing.sql). */
@Entity({ name: 'resources' })
export class ResourceEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'id', type: 'uuid' })
  id: string;

  @Column({ name: 'kind', type: 'text' })
  kind: string;

  @Column({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'content', type: 'jsonb' })
  content: Record<string, any>;

  @Column({ name: 'sharing_mode', type: 'text' })
  sharingMode: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** a copy of the owner's tenants.active, kept right by a foreign key (0024) */
  @Column({ name: 'owner_active', type: 'boolean' })
  ownerActive: boolean;
}
