import { Field, Float, ID, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';
import type { CaptureEntity } from '../entities/capture.entity';

@ObjectType('LabelClassCounts')
export class LabelClassCountsDto {
  @ApiProperty({ example: 4630 }) @Field(() => Int) Botnet: number;
  @ApiProperty({ example: 7494 }) @Field(() => Int) Normal: number;
  @ApiProperty({ example: 546795 }) @Field(() => Int) Background: number;
}

@ObjectType('ProtocolCount')
export class ProtocolCountDto {
  @ApiProperty({ example: 'udp' }) @Field() protocol: string;
  @ApiProperty({ example: 1200 }) @Field(() => Int) count: number;
}

@ObjectType('RejectedRow')
export class RejectedRowDto {
  @ApiProperty({ description: 'One-based line number in the decompressed file', example: 17 })
  @Field(() => Int)
  line: number;
  @ApiProperty({ example: 'missing DstAddr' }) @Field() reason: string;
}

@ObjectType('Capture')
export class CaptureResponseDto {
  @ApiProperty({ format: 'uuid' }) @Field(() => ID) id: string;
  @ApiProperty({ description: 'SHA-256 of the uploaded bytes' }) @Field() sha256: string;
  @ApiProperty({ example: 'capture20110816.binetflow.gz' }) @Field() fileName: string;
  @ApiProperty({ enum: ['binetflow', 'zeek-tsv', 'zeek-json'] }) @Field() format: string;
  @ApiProperty() @Field() gzip: boolean;
  @ApiProperty({ description: 'Stored file size in bytes' }) @Field(() => Float) sizeBytes: number;
  @ApiProperty({ description: 'Decompressed size in bytes' }) @Field(() => Float) decompressedBytes: number;
  @ApiProperty({ example: 558919 }) @Field(() => Int) flowCount: number;
  @ApiProperty({ description: 'Rows that could not be parsed' }) @Field(() => Int) rejectedCount: number;
  @ApiProperty({ type: [RejectedRowDto], description: 'The first rejected rows' })
  @Field(() => [RejectedRowDto])
  rejectedRows: RejectedRowDto[];
  @ApiProperty({ type: LabelClassCountsDto }) @Field(() => LabelClassCountsDto) labelClassCounts: LabelClassCountsDto;
  @ApiProperty({ type: [ProtocolCountDto] }) @Field(() => [ProtocolCountDto]) protocolCounts: ProtocolCountDto[];
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  firstFlowAt: Date | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  @Field(() => Date, { nullable: true })
  lastFlowAt: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt: Date;

  static from(entity: CaptureEntity): CaptureResponseDto {
    return {
      id: entity.id,
      sha256: entity.sha256.trim(),
      fileName: entity.fileName,
      format: entity.format,
      gzip: entity.gzip,
      sizeBytes: entity.sizeBytes,
      decompressedBytes: entity.decompressedBytes,
      flowCount: entity.flowCount,
      rejectedCount: entity.rejectedCount,
      rejectedRows: entity.rejectedRows,
      labelClassCounts: entity.labelClassCounts,
      protocolCounts: Object.entries(entity.protocolCounts)
        .map(([protocol, count]) => ({ protocol, count }))
        .sort((a, b) => b.count - a.count || a.protocol.localeCompare(b.protocol)),
      firstFlowAt: entity.firstFlowAt,
      lastFlowAt: entity.lastFlowAt,
      createdAt: entity.createdAt,
    };
  }
}
