import busboy from 'busboy';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { malformedMultipart } from '../captures/capture-upload';
import { DomainError } from '../common/domain-error';

export interface ReceivedFile {
  /** Path of the written file part, which the caller removes. */
  path: string;
  /** The last segment of the file name the client gave. */
  fileName: string;
  /** The other form fields, by name; a repeated field keeps its last value. */
  fields: Record<string, string>;
}

export interface ReceiveOptions {
  /** Name of the form field that contains the file. */
  field: string;
  /** Path to write the file part to. */
  targetPath: string;
  /** Largest file part in bytes, and the setting that raises it (named in the 413). */
  maxBytes: number;
  maxBytesSetting: string;
  /** Most form fields besides the file. */
  maxFields: number;
  /** The upload fails with `UPLOAD_TIMEOUT` when no byte arrives for this long. */
  idleTimeoutMs: number;
}

/**
 * Reads a multipart/form-data body: writes its file part to `targetPath` without buffering it and collects the
 * other fields, which may come before or after the file. Rejects a body of another type with 415, a file above
 * `maxBytes` with 413, a stalled upload with 408 and a malformed, fileless or aborted body with 400; nothing is left
 * at `targetPath` then.
 */
export async function receiveMultipartFile(request: IncomingMessage, options: ReceiveOptions): Promise<ReceivedFile> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (contentType !== 'multipart/form-data') {
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported Content-Type "${contentType || '(none)'}": send multipart/form-data with the file in field "${options.field}"`,
    );
  }

  try {
    return await receive(request, options);
  } catch (error) {
    await rm(options.targetPath, { force: true });
    // The rest of the body is discarded, so that the client can read the error response.
    request.unpipe();
    request.resume();
    throw error;
  }
}

function receive(request: IncomingMessage, options: ReceiveOptions): Promise<ReceivedFile> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Readable | null = null;
    let written: Promise<string> | null = null;
    let failed = false;
    // A failure stops the file part and rejects once its write has ended, so that the caller's removal of the
    // file cannot run before the write stream has created it.
    const fail = (error: DomainError) => {
      if (failed) {
        return;
      }

      failed = true;
      clearTimeout(idleTimer);
      // Destroyed with the error: destroyed without one, busboy's file stream may close without ending the
      // pipeline that writes it, which then never settles.
      file?.destroy(error);
      void (written ?? Promise.resolve()).then(
        () => reject(error),
        () => reject(error),
      );
    };

    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: request.headers,
        limits: { files: 1, fields: options.maxFields, fileSize: options.maxBytes },
      });
    } catch (error) {
      reject(malformedMultipart(error as Error));
      return;
    }

    const idleTimer = setTimeout(
      () => fail(new DomainError('UPLOAD_TIMEOUT', `No data received for ${options.idleTimeoutMs} ms; upload aborted`)),
      options.idleTimeoutMs,
    );
    const restartIdleTimer = () => idleTimer.refresh();
    request.on('data', restartIdleTimer);
    request.on('close', () => {
      clearTimeout(idleTimer);
      request.off('data', restartIdleTimer);
      if (!request.complete) {
        fail(new DomainError('INVALID_INPUT', 'Upload aborted: the client closed the connection'));
      }
    });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('filesLimit', () =>
      fail(new DomainError('INVALID_INPUT', `Too many files: send one file, in form field "${options.field}"`)),
    );
    parser.on('fieldsLimit', () =>
      fail(
        new DomainError('INVALID_INPUT', `Too many form fields: send at most ${options.maxFields} besides the file`),
      ),
    );
    parser.on('file', (name, stream, info) => {
      if (name !== options.field || file || failed) {
        stream.resume();
        return;
      }

      file = stream;
      stream.on('limit', () =>
        fail(
          new DomainError(
            'UPLOAD_TOO_LARGE',
            `File exceeds the limit of ${options.maxBytes} bytes (${options.maxBytesSetting})`,
          ),
        ),
      );
      // Only the last path segment of the client's file name is kept; it is metadata and never part of a path.
      const fileName = basename(info.filename?.replaceAll('\\', '/') ?? '');
      written = pipeline(stream, createWriteStream(options.targetPath)).then(() => fileName);
      written.catch((error: Error) => fail(new DomainError('INVALID_INPUT', `Upload failed: ${error.message}`)));
    });
    parser.on('error', (error: Error) => fail(malformedMultipart(error)));
    parser.on('close', () => {
      if (!written) {
        fail(
          new DomainError(
            'INVALID_INPUT',
            `Missing multipart field "${options.field}": send the file as form field "${options.field}"`,
          ),
        );
        return;
      }

      written.then(
        (fileName) => {
          clearTimeout(idleTimer);
          if (!failed) {
            resolve({ path: options.targetPath, fileName, fields });
          }
        },
        () => undefined,
      );
    });
    request.pipe(parser);
  });
}
