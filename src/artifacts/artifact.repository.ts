import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
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

  /**
   * Returns the folder for the files of one training attempt, beside the version's folder. Nothing reads it until
   * `publishAttempt` renames it to the version's folder, so attempts of one version never write each other's files.
   */
  attemptDir(versionId: string, attemptId: string): string {
    return join(this.root, 'models', `${versionId}.attempt-${attemptId}`);
  }

  /**
   * Replaces the version's folder with an attempt's folder. The caller makes sure that no ready version uses the
   * version's folder, which holds only files of an earlier attempt that never made the version ready.
   */
  async publishAttempt(attemptDir: string, versionId: string): Promise<void> {
    await rm(this.modelDir(versionId), { recursive: true, force: true });
    await rename(attemptDir, this.modelDir(versionId));
  }

  /** Removes the folders of every attempt of a version, running or not: call it only when none may publish. */
  async removeAttempts(versionId: string): Promise<void> {
    const prefix = `${versionId}.attempt-`;
    const names = await readdir(join(this.root, 'models')).catch(() => [] as string[]);
    for (const name of names.filter((entry) => entry.startsWith(prefix))) {
      await rm(join(this.root, 'models', name), { recursive: true, force: true });
    }
  }

  /** Vectors as raw little-endian float32, row-major: vocabulary size × vector size, row i is token id i. */
  vectorsPath(versionId: string): string {
    return this.vectorsFile(this.modelDir(versionId));
  }

  indexPath(versionId: string): string {
    return this.indexFile(this.modelDir(versionId));
  }

  /** The model's 2-D map of its most frequent tokens, as JSON. */
  projectionPath(modelId: string): string {
    return this.projectionFile(this.modelDir(modelId));
  }

  /** Returns the path of the vectors file in a version's or an attempt's folder. */
  vectorsFile(directory: string): string {
    return join(directory, 'vectors.f32');
  }

  /** Returns the path of the HNSW index file in a version's or an attempt's folder. */
  indexFile(directory: string): string {
    return join(directory, 'index.hnsw');
  }

  /** Returns the path of the 2-D map file in a version's or an attempt's folder. */
  projectionFile(directory: string): string {
    return join(directory, 'projection.json');
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

  readBytes(path: string): Promise<Buffer> {
    return readFile(path);
  }

  async sizeOf(path: string): Promise<number> {
    return (await stat(path)).size;
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
