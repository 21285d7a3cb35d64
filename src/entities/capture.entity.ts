import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CaptureFormat, RejectedRow } from '../captures/flow.types';
import type { LabelClass } from '../captures/label-class';

/** An uploaded capture file. The file itself lives in the artifact directory, named by its SHA-256. */
@Entity('captures')
export class CaptureEntity {
  @PrimaryGeneratedColumn('uuid') id: string;

  /** SHA-256 of the uploaded bytes (compressed if the upload was gzip); the same bytes give the same capture. */
  @Column({ type: 'char', length: 64, unique: true }) sha256: string;

  @Column({ type: 'text' }) fileName: string;
  @Column({ type: 'text' }) format: CaptureFormat;
  @Column({ type: 'boolean' }) gzip: boolean;

  /** Size of the stored file in bytes. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) sizeBytes: number;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  decompressedBytes: number;

  @Column({ type: 'integer' }) flowCount: number;
  @Column({ type: 'integer' }) rejectedCount: number;
  /** The first rejected rows with their line numbers and reasons. */
  @Column({ type: 'jsonb' }) rejectedRows: RejectedRow[];
  @Column({ type: 'jsonb' }) labelClassCounts: Record<LabelClass, number>;
  @Column({ type: 'jsonb' }) protocolCounts: Record<string, number>;

  @Column({ type: 'timestamptz', nullable: true }) firstFlowAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) lastFlowAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
