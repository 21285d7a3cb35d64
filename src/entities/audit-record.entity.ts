import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AuditOutcome = 'started' | 'succeeded' | 'failed';

/**
 * One write: a request (REST POST, PUT, PATCH or DELETE, or a GraphQL mutation) that passed access control, or a key
 * created or revoked with the keys CLI. The record is stored before the write runs and its outcome after.
 */
@Entity('audit_records')
export class AuditRecordEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;

  /** Author of the write: `api-key:<key id>` for an API request, `cli:<OS user name>` for the keys CLI. */
  @Column({ type: 'text' }) actor: string;
  /**
   * The key that made the request, or null for the keys CLI. No foreign key, so records outlive any change to
   * `api_keys`.
   */
  @Column({ type: 'uuid', nullable: true }) apiKeyId: string | null;
  /** The key's name at the time of the request, or null for the keys CLI. */
  @Column({ type: 'text', nullable: true }) apiKeyName: string | null;

  /** Handler that ran, as `<controller or resolver>.<method>`, for example `captures.upload`. */
  @Column({ type: 'text' }) action: string;
  /** `POST /api/v1/captures` for REST, `mutation <field>` for GraphQL, `keys-cli <command>` for the CLI. */
  @Column({ type: 'text' }) request: string;
  /** Ids of what the request named or created: route parameters, id arguments and ids in the response. */
  @Column({ type: 'text', array: true }) targetIds: string[];

  /**
   * `started` while the write runs. A record left `started` means the outcome could not be stored (the process
   * stopped or the database failed during the write), so the write may or may not have taken effect.
   */
  @Column({ type: 'text' }) outcome: AuditOutcome;
  /** Error code of a failed request, for example `CAPTURE_UNREADABLE`. */
  @Column({ type: 'text', nullable: true }) errorCode: string | null;
}
