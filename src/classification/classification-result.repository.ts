import { Injectable } from '@nestjs/common';
import { ReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ArtifactRepository } from '../artifacts/artifact.repository';

/**
 * The CSV files of classification jobs, in `classifications/` under the artifact directory and named by job id.
 * A file is written as `<job id>.csv.partial` and renamed to `<job id>.csv` once complete, so a download never
 * reads half a file. There is one partial name per job, so a later attempt replaces what a killed one left.
 * NOTE: no route deletes a completed classification job or its CSV, so the files stay until removed by hand.
 */
@Injectable()
export class ClassificationResultRepository {
  constructor(private readonly artifacts: ArtifactRepository) {}

  resultPath(jobId: string): string {
    return join(this.artifacts.root, 'classifications', `${jobId}.csv`);
  }

  /**
   * Writes `rows` to the job's partial file and returns its size in bytes. On failure the partial file is removed
   * and the error is thrown. On abort the signal's reason is thrown instead, so the worker can record why the job stopped.
   */
  async writePartial(jobId: string, rows: Readable, signal: AbortSignal): Promise<number> {
    const partialPath = this.partialPath(jobId);
    await mkdir(join(this.artifacts.root, 'classifications'), { recursive: true });
    await this.artifacts.remove(partialPath);

    try {
      await pipeline(rows, this.artifacts.openWrite(partialPath), { signal });
      return await this.artifacts.sizeOf(partialPath);
    } catch (error) {
      await this.artifacts.remove(partialPath);
      throw signal.aborted ? signal.reason : error;
    }
  }

  /** Renames the job's partial file to its final name. */
  async publish(jobId: string): Promise<void> {
    await this.artifacts.moveIntoPlace(this.partialPath(jobId), this.resultPath(jobId));
  }

  exists(jobId: string): Promise<boolean> {
    return this.artifacts.exists(this.resultPath(jobId));
  }

  openRead(jobId: string): ReadStream {
    return this.artifacts.openRead(this.resultPath(jobId));
  }

  /** Removes the job's file and any partial file. */
  async remove(jobId: string): Promise<void> {
    await this.artifacts.remove(this.partialPath(jobId));
    await this.artifacts.remove(this.resultPath(jobId));
  }

  private partialPath(jobId: string): string {
    return `${this.resultPath(jobId)}.partial`;
  }
}
