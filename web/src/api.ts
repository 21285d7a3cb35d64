/** The REST API of the server that serves this page, with the API key from localStorage on every request. */

const API_KEY_STORAGE = 'flow2vec.apiKey';

export function storedApiKey(): string {
  return localStorage.getItem(API_KEY_STORAGE) ?? '';
}

export function storeApiKey(key: string): void {
  if (key) {
    localStorage.setItem(API_KEY_STORAGE, key);
  } else {
    localStorage.removeItem(API_KEY_STORAGE);
  }
}

function authHeaders(): Record<string, string> {
  const key = storedApiKey();
  return key ? { 'X-API-Key': key } : {};
}

/** A failed request, with the server's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const body = await response.json().catch(() => ({}));
  const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? response.statusText);
  const hint = response.status === 401 || response.status === 403 ? ' Check the API key at the top of the page.' : '';
  const sentence = hint && !/[.!?]$/.test(message) ? `${message}.` : message;
  return new ApiError(response.status, body.code, `${sentence}${hint}`);
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`/api/v1${path}`, { headers: authHeaders() });
  if (!response.ok) {
    throw await toApiError(response);
  }

  return (await response.json()) as T;
}

/**
 * Downloads a file the API serves, sending the API key, and hands it to the browser to save under `fileName`. A
 * plain link cannot send the key header, so the body is fetched and saved from an object URL.
 */
export async function downloadFile(path: string, fileName: string): Promise<void> {
  const response = await fetch(`/api/v1${path}`, { headers: authHeaders() });
  if (!response.ok) {
    throw await toApiError(response);
  }

  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method: 'POST',
    headers: { ...authHeaders(), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw await toApiError(response);
  }

  return (await response.json()) as T;
}

/** Uploads a capture as multipart field `file`, reporting the share of bytes sent (fetch cannot report it). */
export function uploadCapture(file: File, onProgress: (fraction: number) => void): Promise<Capture> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', '/api/v1/captures');
    for (const [name, value] of Object.entries(authHeaders())) {
      request.setRequestHeader(name, value);
    }

    request.upload.onprogress = (event) => {
      if (event.lengthComputable) {
        onProgress(event.loaded / event.total);
      }
    };
    request.onerror = () => reject(new ApiError(0, undefined, 'Upload failed: the server could not be reached'));
    request.onload = () => {
      const body = JSON.parse(request.responseText || '{}');
      if (request.status >= 200 && request.status < 300) {
        resolve(body as Capture);
        return;
      }

      const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? request.statusText);
      reject(new ApiError(request.status, body.code, message));
    };

    const form = new FormData();
    form.append('file', file);
    request.send(form);
  });
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface Capture {
  id: string;
  fileName: string;
  flowCount: number;
  rejectedCount: number;
  labelClassCounts: Record<string, number>;
  createdAt: string;
}

export interface Model {
  id: string;
  name: string;
  status: string;
  vocabularySize: number | null;
  sentences: { mode: string; length: number };
  trainer: Record<string, number | string | null>;
  trainingSeconds: number | null;
  epochLosses: number[] | null;
  error: string | null;
  createdAt: string;
}

export interface Job {
  id: string;
  /** `train` fills a model version; `classify` classifies a stored capture into a CSV. */
  kind: string;
  modelId: string;
  state: string;
  phase: string;
  progress: {
    fraction: number;
    epoch?: number;
    epochs?: number;
    wordsPerSecond?: number;
    flowsDone?: number;
    flowsTotal?: number;
  };
  error: string | null;
  startedAt: string | null;
  result: { fileName: string; flows: number } | null;
}

export interface Projection {
  modelId: string;
  vocabularySize: number;
  tokens: string[];
  x: number[];
  y: number[];
  counts: number[];
  labelClasses: string[];
  labels: [string, number][][];
  /** k-means cluster of each token; null for versions trained before clusters were stored. */
  clusters: (number | null)[];
}

export interface TokenDetails {
  token: string;
  count: number;
  labelClass: string;
  labelCounts: { label: string; count: number }[];
}

export interface Similar {
  query: TokenDetails;
  neighbours: (TokenDetails & { similarity: number })[];
}

export interface LabelClassCount {
  labelClass: string;
  count: number;
  share: number;
}

export interface ClusterSummary {
  clusterId: number;
  size: number;
  flows: number;
  tokenComposition: LabelClassCount[];
  flowComposition: LabelClassCount[];
  majorityClass: string | null;
  meanCentroidSimilarity: number | null;
  minCentroidSimilarity: number | null;
}

export type ClusterPage = Page<ClusterSummary>;

export interface ClusterMember extends TokenDetails {
  cluster: number | null;
  centroidSimilarity: number;
}

export interface ClusterMemberPage extends Page<ClusterMember> {
  cluster: ClusterSummary;
}
