import { Injectable, Logger } from '@nestjs/common';
import { createHash, Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ArtifactRepository } from '../artifacts/artifact.repository';
import { DomainError } from '../common/domain-error';
import { waitForDrain } from '../common/wait-for-drain';
import { isUuid } from '../common/uuid';
import { AppConfig } from '../config/app-config';
import { CaptureEntity } from '../entities/capture.entity';
import { CaptureRepository } from './capture.repository';
import { CaptureFormatError, CaptureLimitError, CaptureParseSummary, parseCapture } from './capture-parser';
import type { CaptureFormat } from './flow.types';

const GZIP_MAGIC = [0x1f, 0x8b];

export interface CaptureIngestRequest {
  stream: Readable;
  fileName: string;
  /** Format named by the client; detected from the content when absent. */
  format?: CaptureFormat;
}

/** Measurements of one pass over the upload, besides the parse summary. */
interface UploadTally {
  hash: Hash;
  sizeBytes: number;
  gzip: boolean;
  writeError: Error | null;
}

async function finishFile(file: Writable, tally: UploadTally): Promise<void> {
  if (!tally.writeError) {
    file.end();
    await Promise.race([once(file, 'finish'), once(file, 'close')]);
  }

  if (tally.writeError) {
    throw tally.writeError;
  }
}

@Injectable()
export class CapturesService {
  private readonly logger = new Logger(CapturesService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly captures: CaptureRepository,
    private readonly artifacts: ArtifactRepository,
  ) {}

  /**
   * Hashes, parses and writes an upload to a temporary file in one pass, so memory stays flat whatever its
   * size, then moves it under its SHA-256. The same bytes uploaded again return the existing capture. On any
   * failure (unreadable capture, limit exceeded, client gone) the temporary file is removed and nothing is kept.
   */
  async ingest(request: CaptureIngestRequest): Promise<{ capture: CaptureEntity; created: boolean }> {
    const temporaryPath = this.artifacts.temporaryPath('.upload');
    const file = this.artifacts.openWrite(temporaryPath);
    const tally: UploadTally = { hash: createHash('sha256'), sizeBytes: 0, gzip: false, writeError: null };
    // A write error (disk full, for example) is kept and raised by the next step of `tap`, or after the last one.
    file.on('error', (error) => (tally.writeError ??= error));

    let summary: CaptureParseSummary;
    try {
      summary = await parseCapture(this.tap(request.stream, file, tally), () => undefined, {
        format: request.format,
        maxLineLength: this.config.MAX_LINE_LENGTH,
        maxDecompressionRatio: this.config.MAX_DECOMPRESSION_RATIO,
      });
      await finishFile(file, tally);
    } catch (error) {
      file.destroy();
      await this.artifacts.remove(temporaryPath);
      this.logger.warn(
        `Upload of ${request.fileName} rejected after ${tally.sizeBytes} bytes: ${(error as Error).message}`,
      );
      throw toDomainError(error, request.fileName);
    }

    return this.store(temporaryPath, request.fileName, tally, summary);
  }

  /**
   * Passes the upload's chunks on to the parser while hashing them and writing them to `file`, with the
   * file's back-pressure. Enforces the size limit and aborts the upload when no byte arrives for the idle timeout.
   */
  private async *tap(source: Readable, file: Writable, tally: UploadTally): AsyncGenerator<Uint8Array> {
    const chunks = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();

    for (;;) {
      const next = await this.nextWithin(chunks, this.config.UPLOAD_IDLE_TIMEOUT_MS);
      if (next.done) {
        return;
      }

      const chunk = next.value;
      if (tally.sizeBytes === 0) {
        tally.gzip = chunk[0] === GZIP_MAGIC[0] && chunk[1] === GZIP_MAGIC[1];
      }

      tally.sizeBytes += chunk.length;
      if (tally.sizeBytes > this.config.MAX_UPLOAD_BYTES) {
        throw new DomainError(
          'UPLOAD_TOO_LARGE',
          `Upload exceeds the limit of ${this.config.MAX_UPLOAD_BYTES} bytes (MAX_UPLOAD_BYTES)`,
        );
      }

      tally.hash.update(chunk);
      if (!file.write(chunk)) {
        await waitForDrain(file);
      }
      if (tally.writeError) {
        throw tally.writeError;
      }
      yield chunk;
    }
  }

  /**
   * Waits for the next chunk, or rejects with `UPLOAD_TIMEOUT` after `timeoutMs`. The stream is left open on a
   * timeout, so the request can still receive the 408 response.
   */
  private async nextWithin(chunks: AsyncIterator<Buffer>, timeoutMs: number): Promise<IteratorResult<Buffer>> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DomainError('UPLOAD_TIMEOUT', `No data received for ${timeoutMs} ms; upload aborted`)),
        timeoutMs,
      );
    });

    try {
      return await Promise.race([chunks.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Moves the uploaded file under its SHA-256 and inserts its row, or returns the existing capture of the same bytes.
   * The temporary file is removed on any failure, and so is the moved file when its row cannot be inserted.
   */
  private async store(temporaryPath: string, fileName: string, tally: UploadTally, summary: CaptureParseSummary) {
    const sha256 = tally.hash.digest('hex');
    try {
      const existing = await this.captures.findBySha256(sha256);
      if (existing) {
        await this.artifacts.remove(temporaryPath);
        return { capture: existing, created: false };
      }

      await this.artifacts.moveIntoPlace(temporaryPath, this.artifacts.capturePath(sha256));
    } catch (error) {
      await this.artifacts.remove(temporaryPath);
      throw error;
    }

    let result: { capture: CaptureEntity; created: boolean };
    try {
      result = await this.captures.insertOrGet(captureRow(sha256, fileName, tally, summary));
    } catch (error) {
      await this.removeUnclaimedFile(sha256);
      throw error;
    }

    if (result.created) {
      this.logger.log(
        `Stored capture ${result.capture.id} (${sha256}): ${summary.flows} flows, ${summary.rejected} rejected rows`,
      );
    }
    return result;
  }

  /**
   * Removes the capture file of a row that failed to insert, unless a capture row has the same SHA-256, which a
   * concurrent upload of the same bytes may have inserted. When that check fails too (database unreachable), the
   * file is kept and an error logged, because a file without a row only wastes space while a row without its file
   * breaks every use of that capture.
   */
  private async removeUnclaimedFile(sha256: string): Promise<void> {
    const path = this.artifacts.capturePath(sha256);
    try {
      // NOTE: a concurrent upload of the same bytes that has moved its file into place but not yet inserted its row
      // is not seen here, so that upload's file is removed and its capture row is left without a file.
      if (await this.captures.findBySha256(sha256)) {
        return;
      }

      await this.artifacts.remove(path);
      this.logger.warn(`Removed ${path} because its capture row failed to insert`);
    } catch (error) {
      this.logger.error(
        `Kept ${path} after its capture row failed to insert, because checking for another capture of the same ` +
          `bytes failed too; delete the file if no capture has SHA-256 ${sha256}: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
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

  /** Deletes a capture and its file; a capture that a model was trained on, or is training on, is kept. */
  async delete(id: string): Promise<void> {
    const capture = await this.get(id);
    const models = await this.captures.modelsUsing(capture.id);
    if (models.length > 0) {
      throw new DomainError(
        'CAPTURE_IN_USE',
        `Capture ${id} is used by model ${models.join(', ')}, which needs it to retrain, so it is kept`,
        { models },
      );
    }

    await this.captures.delete(capture.id);
    await this.artifacts.remove(this.artifacts.capturePath(capture.sha256.trim()));
    this.logger.log(`Deleted capture ${capture.id}`);
  }
}

function captureRow(
  sha256: string,
  fileName: string,
  tally: UploadTally,
  summary: CaptureParseSummary,
): Omit<CaptureEntity, 'id' | 'createdAt'> {
  return {
    sha256,
    fileName,
    format: summary.format,
    gzip: tally.gzip,
    sizeBytes: tally.sizeBytes,
    decompressedBytes: summary.decompressedBytes,
    flowCount: summary.flows,
    rejectedCount: summary.rejected,
    rejectedRows: summary.rejectedRows,
    labelClassCounts: summary.labelClassCounts,
    protocolCounts: summary.protocolCounts,
    firstFlowAt: summary.firstStartTime === null ? null : new Date(summary.firstStartTime * 1000),
    lastFlowAt: summary.lastStartTime === null ? null : new Date(summary.lastStartTime * 1000),
  };
}

function toDomainError(error: unknown, fileName: string): unknown {
  if (error instanceof DomainError) {
    return error;
  }

  if (error instanceof CaptureFormatError) {
    return new DomainError('CAPTURE_UNREADABLE', `${fileName}: ${error.message}`, { reason: error.code });
  }

  if (error instanceof CaptureLimitError) {
    const code = error.code === 'DECOMPRESSION_RATIO' ? 'UPLOAD_TOO_LARGE' : 'CAPTURE_UNREADABLE';
    return new DomainError(code, `${fileName}: ${error.message}`, { reason: error.code, line: error.line });
  }

  return error;
}
