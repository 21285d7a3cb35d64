import busboy from 'busboy';
import type { Request } from 'express';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
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
 */
export function openCaptureUpload(request: Request, fallbackName: string): Promise<CaptureUploadStream> {
  const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();

  if (contentType === 'multipart/form-data') {
    return openMultipartFile(request, fallbackName);
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

function openMultipartFile(request: Request, fallbackName: string): Promise<CaptureUploadStream> {
  return new Promise((resolve, reject) => {
    let found = false;
    const parser = busboy({ headers: request.headers, limits: { files: 1, fields: 20 } });

    parser.on('file', (field, stream, info) => {
      if (field !== 'file' || found) {
        stream.resume();
        return;
      }

      found = true;
      // Only the last path segment of the client's file name is kept; it is metadata and never part of a path.
      resolve({ stream, fileName: basename(info.filename?.replaceAll('\\', '/') || fallbackName) || fallbackName });
    });
    parser.on('error', (error: Error) =>
      reject(new DomainError('INVALID_INPUT', `Malformed multipart body: ${error.message}`)),
    );
    parser.on('close', () => {
      if (!found) {
        reject(
          new DomainError('INVALID_INPUT', 'Missing multipart field "file": send the capture as form field "file"'),
        );
      }
    });
    request.pipe(parser);
  });
}
