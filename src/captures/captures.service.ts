import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { CaptureEntity } from '../entities/capture.entity';
import { isUuid } from '../common/uuid';
import { CaptureRepository } from './capture.repository';
import { CaptureFormatError, CaptureLimitError, CaptureParseSummary, parseCapture } from './capture-parser';

export interface UploadedCaptureFile {
  /** Temporary path the upload was streamed to. */
  path: string;
  originalName: string;
  sizeBytes: number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

@Injectable()
export class CapturesService {
  private readonly logger = new Logger(CapturesService.name);

  constructor(
    private readonly captures: CaptureRepository,
    private readonly artifacts: ArtifactRepository,
  ) {}

  /**
   * Hashes and parses an uploaded file in one pass, then stores it under its SHA-256. The same bytes
   * uploaded again return the existing capture. A file that cannot be read as a capture is deleted and
   * rejected, so nothing of it is kept.
   */
  async ingest(file: UploadedCaptureFile): Promise<{ capture: CaptureEntity; created: boolean }> {
    const hash = createHash('sha256');
    let firstBytes: Buffer | undefined;
    const source = this.artifacts.openRead(file.path);
    source.on('data', (chunk) => {
      firstBytes ??= Buffer.from(chunk).subarray(0, 2);
      hash.update(chunk);
    });

    let summary: CaptureParseSummary;
    try {
      summary = await parseCapture(source, () => undefined);
    } catch (error) {
      await this.artifacts.remove(file.path);
      throw toDomainError(error, file.originalName);
    }

    const sha256 = hash.digest('hex');
    const existing = await this.captures.findBySha256(sha256);
    if (existing) {
      await this.artifacts.remove(file.path);
      return { capture: existing, created: false };
    }

    await this.artifacts.moveIntoPlace(file.path, this.artifacts.capturePath(sha256));
    const result = await this.captures.insertOrGet({
      sha256,
      fileName: file.originalName,
      format: summary.format,
      gzip: firstBytes?.[0] === GZIP_MAGIC[0] && firstBytes?.[1] === GZIP_MAGIC[1],
      sizeBytes: file.sizeBytes,
      decompressedBytes: summary.decompressedBytes,
      flowCount: summary.flows,
      rejectedCount: summary.rejected,
      rejectedRows: summary.rejectedRows,
      labelClassCounts: summary.labelClassCounts,
      protocolCounts: summary.protocolCounts,
      firstFlowAt: summary.firstStartTime === null ? null : new Date(summary.firstStartTime * 1000),
      lastFlowAt: summary.lastStartTime === null ? null : new Date(summary.lastStartTime * 1000),
    });

    if (result.created) {
      this.logger.log(
        `Stored capture ${result.capture.id} (${sha256}): ${summary.flows} flows, ${summary.rejected} rejected rows`,
      );
    }
    return result;
  }

  async get(id: string): Promise<CaptureEntity> {
    const capture = isUuid(id) ? await this.captures.findById(id) : null;
    if (!capture) {
      throw new DomainError('CAPTURE_NOT_FOUND', `Capture ${id} not found`);
    }

    return capture;
  }

  list(limit: number, offset: number): Promise<[CaptureEntity[], number]> {
    return this.captures.list(limit, offset);
  }
}

function toDomainError(error: unknown, fileName: string): unknown {
  if (error instanceof CaptureFormatError) {
    return new DomainError('CAPTURE_UNREADABLE', `${fileName}: ${error.message}`, { reason: error.code });
  }

  if (error instanceof CaptureLimitError) {
    const code = error.code === 'DECOMPRESSION_RATIO' ? 'UPLOAD_TOO_LARGE' : 'CAPTURE_UNREADABLE';
    return new DomainError(code, `${fileName}: ${error.message}`, { reason: error.code });
  }

  return error;
}
