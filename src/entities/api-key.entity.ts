import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const ACCESS_ROLES = ['reader', 'writer', 'admin'] as const;
/** `reader` queries and reads status, `writer` also uploads, trains, cancels and deletes, `admin` also manages keys. */
export type AccessRole = (typeof ACCESS_ROLES)[number];

/** An API key. Only the SHA-256 of the secret is stored, so the secret is shown once, when the key is created. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) role: AccessRole;

  /** Hex SHA-256 of the whole secret. */
  @Column({ type: 'char', length: 64, unique: true }) secretHash: string;
  /** The first characters of the secret, so that an operator can tell keys apart without the secret. */
  @Column({ type: 'text' }) secretPrefix: string;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  /** Set when the key is revoked; a revoked key is never accepted again. */
  @Column({ type: 'timestamptz', nullable: true }) revokedAt: Date | null;
}
