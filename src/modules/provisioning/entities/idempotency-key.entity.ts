import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A row of `idempotency_keys` (0010): the sealed first answer of a platform-admin POST. No tenant_id: keyed by actor. */
@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'actor_id', type: 'text' })
  actorId: string;

  @PrimaryColumn({ name: 'route', type: 'text' })
  route: string;

  @PrimaryColumn({ name: 'key', type: 'text' })
  key: string;

  @Column({ name: 'request_hash', type: 'text' })
  requestHash: string;

  @Column({ name: 'status_code', type: 'integer' })
  statusCode: number;

  @Column({ name: 'response', type: 'bytea' })
  response: Buffer;

  @Column({ name: 'key_version', type: 'text' })
  keyVersion: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', default: () => "now() + interval '24 hours'" })
  expiresAt: Date;
}
