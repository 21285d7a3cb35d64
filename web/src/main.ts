import { estimateSecondsLeft, formatDuration } from '../../src/dashboard/job-time-left';
import {
  Capture,
  downloadFile,
  getJson,
  Job,
  Model,
  Page,
  postJson,
  Projection,
  Similar,
  storeApiKey,
  storedApiKey,
  uploadCapture,
} from './api';
import { openClusters, wireClusterBrowser } from './clusters';
import { button, byId, clearError, row, showError, sparkline } from './dom';
import { CLUSTER_COLOUR_COUNT, Colouring, drawTokenMap, TokenMap } from './map';
import './style.css';

/** How often jobs and models are polled while a job is queued or running, in milliseconds. */
const POLL_INTERVAL_MS = 1000;

let tokenMap: TokenMap | null = null;
let mapModelId: string | null = null;

function progressBar(fraction: number): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'bar';
  const fill = document.createElement('div');
  fill.style.width = `${Math.round(fraction * 100)}%`;
  const label = document.createElement('span');
  label.textContent = `${Math.round(fraction * 100)}%`;
  bar.append(fill, label);
  return bar;
}

async function refreshCaptures(): Promise<void> {
  const page = await getJson<Page<Capture>>('/captures?limit=100');
  byId('capture-rows').replaceChildren(
    ...page.items.map((capture) =>
      row([
        capture.fileName,
        capture.flowCount.toLocaleString(),
        (capture.labelClassCounts.Botnet ?? 0).toLocaleString(),
        (capture.labelClassCounts.Normal ?? 0).toLocaleString(),
        (capture.labelClassCounts.Background ?? 0).toLocaleString(),
        capture.rejectedCount.toLocaleString(),
        new Date(capture.createdAt).toLocaleString(),
        button('Train…', () => {
          byId<HTMLSelectElement>('train-capture').value = capture.id;
          byId('train').scrollIntoView();
        }),
      ]),
    ),
  );

  for (const id of ['train-capture', 'classify-capture']) {
    replaceOptions(
      byId<HTMLSelectElement>(id),
      page.items.map((capture) => new Option(`${capture.fileName} (${capture.flowCount} flows)`, capture.id)),
    );
  }
}

/** Replaces a select's options and keeps its selection when the selected value is still offered. */
function replaceOptions(select: HTMLSelectElement, options: HTMLOptionElement[]): void {
  const selected = select.value;
  select.replaceChildren(...options);
  if (options.some((option) => option.value === selected)) {
    select.value = selected;
  }
}

/** Refreshes the job table and returns whether any job is still queued or running. */
async function refreshJobs(): Promise<boolean> {
  const page = await getJson<Page<Job>>('/jobs?limit=20');
  byId('job-rows').replaceChildren(
    ...page.items.map((job) => {
      const { progress } = job;
      const secondsLeft = estimateSecondsLeft(job);
      const tr = row([
        job.id.slice(0, 8),
        job.kind,
        job.modelId.slice(0, 8),
        job.error ? `${job.state}: ${job.error}` : job.state,
        job.phase,
        progressBar(progress.fraction),
        progress.epoch !== undefined ? `${progress.epoch} / ${progress.epochs}` : '',
        progress.wordsPerSecond !== undefined ? progress.wordsPerSecond.toLocaleString() : '',
        progress.flowsTotal !== undefined
          ? `${(progress.flowsDone ?? 0).toLocaleString()} / ${progress.flowsTotal.toLocaleString()}`
          : '',
        secondsLeft === null ? '' : formatDuration(secondsLeft),
        resultCell(job),
      ]);
      tr.dataset.jobId = job.id;
      tr.dataset.kind = job.kind;
      tr.dataset.state = job.state;
      return tr;
    }),
  );

  return page.items.some((job) => job.state === 'queued' || job.state === 'active');
}

/** Offers the CSV of a completed classification job for download; empty for other jobs. */
function resultCell(job: Job): string | Node {
  const { result } = job;
  if (job.kind !== 'classify' || job.state !== 'completed' || !result) {
    return '';
  }

  return button(`CSV (${result.flows.toLocaleString()} flows)`, () => {
    downloadFile(`/jobs/${job.id}/result.csv`, result.fileName).catch(showError);
  });
}

function settingsText(model: Model): string {
  const t = model.trainer;
  return (
    `${t.architecture}, ${t.vectorSize} dimensions, window ${t.window}, ${t.negative} negative, ` +
    `${t.epochs} epochs, sentences of ${model.sentences.length} flows, seed ${t.seed}`
  );
}

/** Shows the first and last epoch losses beside a sparkline of all of them, with every value in the tooltip. */
function lossSummary(losses: number[]): HTMLElement {
  const cell = document.createElement('span');
  cell.className = 'losses';
  if (losses.length === 0) {
    return cell;
  }

  cell.title = losses.map((loss, epoch) => `epoch ${epoch + 1}: ${loss.toPrecision(4)}`).join('\n');
  const text =
    losses.length === 1
      ? losses[0].toPrecision(4)
      : `${losses[0].toPrecision(4)} → ${losses[losses.length - 1].toPrecision(4)}`;
  cell.append(sparkline(losses), ` ${text}`);

  return cell;
}

async function refreshModels(): Promise<void> {
  const page = await getJson<Page<Model>>('/models?limit=50');
  replaceOptions(
    byId<HTMLSelectElement>('classify-model'),
    page.items
      .filter((model) => model.status === 'ready')
      .map((model) => new Option(model.name || model.id.slice(0, 8), model.id)),
  );
  byId('model-rows').replaceChildren(
    ...page.items.map((model) => {
      const settings = document.createElement('span');
      settings.textContent = settingsText(model);
      const actions = document.createElement('span');
      if (model.status === 'ready') {
        actions.append(
          button('Map', () => void openMap(model).catch(showError)),
          ' ',
          button('Clusters', () => void openClusters(model).catch(showError)),
        );
      }

      const tr = row([
        model.name || model.id.slice(0, 8),
        model.error ? `${model.status}: ${model.error}` : model.status,
        model.vocabularySize === null ? '' : `${model.vocabularySize.toLocaleString()} tokens`,
        settings,
        model.trainingSeconds === null ? '' : `${model.trainingSeconds.toFixed(1)} s`,
        lossSummary(model.epochLosses ?? []),
        actions,
      ]);
      tr.children[3].className = 'settings';
      tr.dataset.modelId = model.id;
      tr.dataset.status = model.status;
      return tr;
    }),
  );
}

async function openMap(model: Model): Promise<void> {
  const section = byId('map-section');
  section.hidden = false;
  byId('map-title').textContent = model.name || model.id;
  byId('map-status').textContent = 'Loading the map…';
  byId('neighbours').replaceChildren();
  tokenMap?.dispose();
  tokenMap = null;
  mapModelId = model.id;

  const projection = await getJson<Projection>(`/models/${model.id}/projection`);
  byId('map-status').textContent =
    `${projection.tokens.length.toLocaleString()} most frequent of ${projection.vocabularySize.toLocaleString()} ` +
    'tokens, laid out with UMAP. Scroll to zoom, drag to pan, click a point for its most similar tokens.';
  section.scrollIntoView();
  const colouring = byId<HTMLSelectElement>('map-colour').value as Colouring;
  tokenMap = drawTokenMap(byId('map'), projection, colouring, (token) => void showNeighbours(token).catch(showError));
  (window as unknown as { flow2vecMap: TokenMap }).flow2vecMap = tokenMap;
  describeColouring(projection, colouring);
}

async function showNeighbours(token: string): Promise<void> {
  const query = new URLSearchParams({ token, k: '10' });
  const result = await getJson<Similar>(`/models/${mapModelId}/similar?${query}`);
  byId('neighbours-query').textContent =
    `${result.query.token} (${result.query.labelClass}, count ${result.query.count})`;
  byId('neighbours').replaceChildren(
    ...result.neighbours.map((neighbour) => {
      const item = document.createElement('li');
      item.className = neighbour.labelClass;
      item.textContent = `${neighbour.token}  ${neighbour.similarity.toFixed(3)}  ${neighbour.labelClass}`;
      return item;
    }),
  );
}

function describeColouring(projection: Projection, colouring: Colouring): void {
  const clusters = new Set(projection.clusters.filter((cluster) => cluster !== null)).size;
  let note = '';
  if (colouring === 'cluster') {
    note =
      clusters <= CLUSTER_COLOUR_COUNT
        ? `${clusters} clusters on the map, one colour each.`
        : `${clusters.toLocaleString()} clusters on the map share ${CLUSTER_COLOUR_COUNT} colours, so hover a point ` +
          'for its cluster.';
  }
  byId('map-colour-note').textContent = note;
}

function wireMapColouring(): void {
  byId('map-colour').addEventListener('change', () => {
    const colouring = byId<HTMLSelectElement>('map-colour').value as Colouring;
    if (tokenMap) {
      tokenMap.colourBy(colouring);
      describeColouring(tokenMap.projection, colouring);
    }
  });
}

function wireApiKey(): void {
  const input = byId<HTMLInputElement>('api-key');
  input.value = storedApiKey();
  byId('api-key-status').textContent = input.value ? 'key saved in this browser' : 'no key';
  byId('api-key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    storeApiKey(input.value.trim());
    byId('api-key-status').textContent = input.value ? 'key saved in this browser' : 'no key';
    void refreshAll();
  });
}

function wireUpload(): void {
  byId('upload-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const file = byId<HTMLInputElement>('upload-file').files?.[0];
    if (!file) {
      showError('Choose a capture file first.');
      return;
    }

    const progress = byId<HTMLProgressElement>('upload-progress');
    const status = byId('upload-status');
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${file.name}…`;
    clearError();
    uploadCapture(file, (fraction) => {
      progress.value = fraction;
      status.textContent =
        fraction < 1 ? `Uploading ${file.name}: ${Math.round(fraction * 100)}%` : `Parsing ${file.name}…`;
    })
      .then(async (capture) => {
        status.textContent = `Uploaded ${capture.fileName}: ${capture.flowCount.toLocaleString()} flows`;
        await refreshCaptures();
        byId<HTMLSelectElement>('train-capture').value = capture.id;
      })
      .catch((error) => {
        status.textContent = '';
        showError(error);
      });
  });
}

function numberField(id: string): number {
  return Number(byId<HTMLInputElement>(id).value);
}

function wireTraining(): void {
  byId('train-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearError();
    const name = byId<HTMLInputElement>('train-name').value.trim();
    const request = {
      ...(name ? { name } : {}),
      captureIds: [byId<HTMLSelectElement>('train-capture').value],
      sentences: { mode: 'count', length: numberField('train-length') },
      trainer: {
        vectorSize: numberField('train-vector-size'),
        window: numberField('train-window'),
        negative: numberField('train-negative'),
        epochs: numberField('train-epochs'),
        workers: numberField('train-workers'),
      },
    };
    postJson('/models', request)
      .then(() => refreshAll())
      .catch(showError);
  });
}

function wireClassification(): void {
  byId('classify-form').addEventListener('submit', (event) => {
    event.preventDefault();
    clearError();
    const modelId = byId<HTMLSelectElement>('classify-model').value;
    const captureId = byId<HTMLSelectElement>('classify-capture').value;
    postJson(`/models/${modelId}/classify`, { captureId })
      .then(() => refreshJobs())
      .catch(showError);
  });
}

async function refreshAll(): Promise<void> {
  try {
    await refreshCaptures();
    await refreshModels();
    await refreshJobs();
    clearError();
  } catch (error) {
    showError(error);
  }
}

/** Polls jobs every second; models are reloaded only while jobs run, and once more after the last one ends. */
async function poll(): Promise<void> {
  let wasRunning = false;
  for (;;) {
    try {
      const running = await refreshJobs();
      if (running || wasRunning) {
        await refreshModels();
      }
      wasRunning = running;
    } catch (error) {
      showError(error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

wireApiKey();
wireUpload();
wireTraining();
wireClassification();
wireClusterBrowser();
wireMapColouring();
void refreshAll().then(() => poll());
