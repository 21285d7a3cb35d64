import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { DomainError } from '../common/domain-error';

/** Media types accepted as a raw capture body, besides multipart/form-data. */
export const RAW_CAPTURE_TYPES = [
  'text/csv',
  'text/plain',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];

export interface CaptureUploadStream {
  /** The capture's bytes as sent: plain text or gzip (the parser detects which from the content). */
  stream: Readable;
  fileName: string;
}

/**
 * Finds the capture bytes in a request without buffering them: the part named `file` of a multipart body, or
 * the whole body for the raw media types. A `Content-Encoding: gzip` body is kept compressed, like a gzip file.
 * A multipart body that sends no byte for `idleTimeoutMs` before its `file` part starts is rejected with
 * `UPLOAD_TIMEOUT`. From the file part on, the caller applies its own idle timeout.
 */
export function openCaptureUpload(
  request: IncomingMessage,
  fallbackName: string,
  idleTimeoutMs: number,
): Promise<CaptureUploadStream> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

  if (contentType === 'multipart/form-data') {
    return openMultipartFile(request, fallbackName, idleTimeoutMs);
  }

  if (
    RAW_CAPTURE_TYPES.includes(contentType) ||
    (contentType === '' && request.headers['content-encoding'] === 'gzip')
  ) {
    return Promise.resolve({ stream: request, fileName: fallbackName });
  }

  const accepted = ['multipart/form-data (field "file")', ...RAW_CAPTURE_TYPES].join(', ');
  return Promise.reject(
    new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Unsupported Content-Type "${contentType || '(none)'}": send one of ${accepted}`,
    ),
  );
}

function openMultipartFile(
  request: IncomingMessage,
  fallbackName: string,
  idleTimeoutMs: number,
): Promise<CaptureUploadStream> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: request.headers, limits: { files: 1, fields: 20 } });
    } catch (error) {
      reject(malformedMultipart(error as Error));
      return;
    }

    let settled = false;
    let body: PassThrough | null = null;
    const idleTimer = setTimeout(() => {
      const message = `No data received for ${idleTimeoutMs} ms before the multipart "file" part; upload aborted`;
      settle(() => reject(new DomainError('UPLOAD_TIMEOUT', message)));
      request.unpipe(parser);
      parser.destroy();
    }, idleTimeoutMs);
    const restartIdleTimer = () => idleTimer.refresh();
    const settle = (finish: () => void) => {
      if (settled) {
        return;
      }

      settled = true;
      clearTimeout(idleTimer);
      request.off('data', restartIdleTimer);
      finish();
    };
    // A client that goes away ends the upload at once, before or during the file part, instead of at the
    // idle timeout.
    request.on('close', () => {
      if (!request.complete) {
        const aborted = new DomainError('INVALID_INPUT', 'Upload aborted: the client closed the connection');
        settle(() => reject(aborted));
        body?.destroy(aborted);
      }
    });

    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || settled) {
        stream.resume();
        return;
      }

      // The file part reaches the caller through `body`, which turns the parser's errors (a body cut off before
      // its closing boundary, for example) into a 400. Until the caller reads it, the error waits in the stream
      // instead of being an unhandled 'error' event.
      body = new PassThrough();
      body.on('error', () => undefined);
      stream.on('error', (error: Error) => body?.destroy(malformedMultipart(error)));
      stream.pipe(body);
      // Only the last path segment of the client's file name is kept; it is metadata and never part of a path.
      const fileName = basename(info.filename?.replaceAll('\\', '/') || fallbackName) || fallbackName;
      const file = body;
      settle(() => resolve({ stream: file, fileName }));
    });
    parser.on('error', (error: Error) => settle(() => reject(malformedMultipart(error))));
    parser.on('close', () =>
      settle(() =>
        reject(
          new DomainError('INVALID_INPUT', 'Missing multipart field "file": send the capture as form field "file"'),
        ),
      ),
    );
    request.pipe(parser);
    request.on('data', restartIdleTimer);
  });
}

/** Creates the 400 for a multipart body or Content-Type that busboy cannot read. */
export function malformedMultipart(error: Error): DomainError {
  return new DomainError(
    'INVALID_INPUT',
    `Malformed multipart body: ${error.message}; send multipart/form-data with a boundary parameter and a complete body`,
  );
}
