import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/** A failure the user can act on; main prints its message without a stack and exits with status 1. */
export class CliError extends Error {}

/** An error response of the server, with its error code. */
export class ApiResponseError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The flow2vec REST API over fetch, with the API key on every request. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly apiKey: string | undefined,
  ) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>(path, { method: 'GET' });
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** Streams a file as multipart field `file`, calling `onProgress(bytesSent, totalBytes)` as it goes. */
  async upload<T>(file: string, onProgress: (sent: number, total: number) => void): Promise<T> {
    const total = (await stat(file).catch(() => null))?.size;
    if (total === undefined) {
      throw new CliError(`Cannot read ${file}: no such file`);
    }

    const boundary = `flow2vec-${randomBytes(12).toString('hex')}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${basename(file).replace(/"/g, '')}"\r\n` +
        'Content-Type: application/octet-stream\r\n\r\n',
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);

    return this.request<T>('/captures', {
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: multipartStream(head, file, tail, (sent) => onProgress(sent, total)),
      duplex: 'half',
    } as RequestInit);
  }

  /**
   * Sends a GET request and returns the successful response with its body unread, for downloads that are streamed
   * instead of parsed. An error response becomes an ApiResponseError as with `get`.
   */
  download(path: string): Promise<Response> {
    return this.send(path, { method: 'GET' });
  }

  private async request<T>(path: string, init: RequestInit): Promise<T> {
    const response = await this.send(path, init);

    return (await response.json().catch(() => ({}))) as T;
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/api/v1${path}`;
    const headers = {
      ...(init.headers as Record<string, string>),
      ...(this.apiKey ? { 'X-API-Key': this.apiKey } : {}),
    };

    let response: Response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
      const reason = cause?.code ?? cause?.errors?.[0]?.code ?? (error as Error).message;
      throw new CliError(
        `Cannot reach the flow2vec server at ${this.baseUrl} (${reason}). Start it with "npm start", or set --url ` +
          'or FLOW2VEC_URL to where it runs.',
      );
    }

    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string | string[] };
      throw responseError(response.status, body, this.apiKey !== undefined);
    }

    return response;
  }
}

function responseError(status: number, body: { code?: string; message?: string | string[] }, hasKey: boolean) {
  const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? `HTTP ${status}`);
  if (status === 401 || status === 403) {
    const fix = hasKey ? 'Check the key given by --api-key or FLOW2VEC_API_KEY' : 'Set --api-key or FLOW2VEC_API_KEY';
    return new ApiResponseError(status, body.code, `${message}. ${fix}.`);
  }

  return new ApiResponseError(status, body.code, message);
}

function multipartStream(
  head: Buffer,
  file: string,
  tail: Buffer,
  onProgress: (sent: number) => void,
): ReadableStream<Uint8Array> {
  let sent = 0;
  const iterator = (async function* () {
    yield head;
    for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
      sent += (chunk as Buffer).length;
      onProgress(sent);
      yield chunk as Buffer;
    }
    yield tail;
  })();

  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) {
        controller.close();
      } else {
        controller.enqueue(new Uint8Array(value));
      }
    },
  });
}
