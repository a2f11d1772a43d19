import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `integrations` (0010): a tenant's sealed third-party credentials. */
@Entity({ name: 'integrations' })
export class IntegrationEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @PrimaryColumn({ name: 'name', type: 'text' })
  name: string;

  @Column({ name: 'provider', type: 'text' })
  provider: string;

  @Column({ name: 'field_names', type: 'text', array: true, default: () => "'{}'" })
  fieldNames: string[];

  @Column({ name: 'ciphertext', type: 'bytea' })
  ciphertext: Buffer;

  @Column({ name: 'iv', type: 'bytea' })
  iv: Buffer;

  @Column({ name: 'auth_tag', type: 'bytea' })
  authTag: Buffer;

  @Column({ name: 'key_version', type: 'text' })
  keyVersion: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
