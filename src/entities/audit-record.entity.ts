import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One write request (REST POST, PUT, PATCH or DELETE, or a GraphQL mutation) that passed access control. */
@Entity('audit_records')
export class AuditRecordEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;

  /** The key that made the request. No foreign key, so records outlive any change to `api_keys`. */
  @Column({ type: 'uuid' }) apiKeyId: string;
  /** The key's name at the time of the request. */
  @Column({ type: 'text' }) apiKeyName: string;

  /** Handler that ran, as `<controller or resolver>.<method>`, for example `captures.upload`. */
  @Column({ type: 'text' }) action: string;
  /** `POST /api/v1/captures` for REST, `mutation <field>` for GraphQL. */
  @Column({ type: 'text' }) request: string;
  /** Ids of what the request named or created: route parameters, id arguments and ids in the response. */
  @Column({ type: 'text', array: true }) targetIds: string[];

  @Column({ type: 'text' }) outcome: 'succeeded' | 'failed';
  /** Error code of a failed request, for example `CAPTURE_UNREADABLE`. */
  @Column({ type: 'text', nullable: true }) errorCode: string | null;
}
