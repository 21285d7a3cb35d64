/** Codes of the failures that clients can act on. Each transport maps every code in one exhaustive switch. */
export type DomainErrorCode =
  | 'INVALID_INPUT'
  | 'CAPTURE_NOT_FOUND'
  | 'MODEL_NOT_FOUND'
  | 'JOB_NOT_FOUND'
  | 'TOKEN_NOT_FOUND'
  | 'PROJECTION_NOT_FOUND'
  | 'CLUSTER_NOT_FOUND'
  | 'MODEL_NOT_READY'
  | 'CAPTURE_UNREADABLE'
  | 'UPLOAD_TOO_LARGE'
  | 'UPLOAD_TIMEOUT'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CAPTURE_IN_USE'
  | 'INDEX_UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'API_KEY_NOT_FOUND'
  | 'JOB_FINISHED'
  | 'RESULT_NOT_AVAILABLE'
  | 'VECTORS_UNREADABLE'
  | 'AUDIT_UNAVAILABLE';

/** A failure with a stable code and a message that names the bad value and what to do about it. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
