import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { AppConfig } from '../config/app-config';

/**
 * The artifact directory: capture files named by SHA-256, and one folder of vectors and index per model version,
 * named by the version's id (a model's first version has the model's id).
 * Every file is written under a temporary name in the same directory and renamed into place, so a reader
 * never sees half a file.
 */
@Injectable()
export class ArtifactRepository {
  readonly root: string;

  constructor(config: AppConfig) {
    this.root = resolve(config.DATA_DIR);
  }

  async ensureLayout(): Promise<void> {
    await mkdir(join(this.root, 'captures'), { recursive: true });
    await mkdir(join(this.root, 'models'), { recursive: true });
    await mkdir(join(this.root, 'tmp'), { recursive: true });
  }

  capturePath(sha256: string): string {
    return join(this.root, 'captures', sha256);
  }

  modelDir(versionId: string): string {
    return join(this.root, 'models', versionId);
  }

  /** Vectors as raw little-endian float32, row-major: vocabulary size × vector size, row i is token id i. */
  vectorsPath(versionId: string): string {
    return join(this.modelDir(versionId), 'vectors.f32');
  }

  indexPath(versionId: string): string {
    return join(this.modelDir(versionId), 'index.hnsw');
  }

  /** A fresh path under `tmp/` for a file that is renamed into place once complete. */
  temporaryPath(suffix = ''): string {
    return join(this.root, 'tmp', `${randomUUID()}${suffix}`);
  }

  openRead(path: string): ReadStream {
    return createReadStream(path);
  }

  openWrite(path: string): Writable {
    return createWriteStream(path, { flags: 'wx' });
  }

  /** Reads `length` bytes at `position`; fewer only at the end of the file. */
  async readRange(path: string, position: number, length: number): Promise<Buffer> {
    const handle = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, position);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async exists(path: string): Promise<boolean> {
    return stat(path).then(
      () => true,
      () => false,
    );
  }

  async moveIntoPlace(temporaryPath: string, finalPath: string): Promise<void> {
    await rename(temporaryPath, finalPath);
  }

  async remove(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }

  /** Writes `produce`'s output to `finalPath` through a temporary file in the same directory. */
  async writeAtomically(finalPath: string, produce: (temporaryPath: string) => Promise<void>): Promise<void> {
    const temporaryPath = `${finalPath}.${randomUUID()}.tmp`;

    try {
      await produce(temporaryPath);
      await rename(temporaryPath, finalPath);
    } catch (error) {
      await rm(temporaryPath, { force: true });
      throw error;
    }
  }
}
