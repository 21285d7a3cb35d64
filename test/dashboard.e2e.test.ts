import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { json, REPO_ROOT, SHARED_DATA, startTestServer, TestServer } from './support/test-server';

const CHROMIUM = '/usr/bin/chromium';
const CAPTURE = join(SHARED_DATA, 'scenario06_capture20110816.binetflow.gz');
const SCREENSHOT_DIR = join(tmpdir(), 'flow2vec-screenshots', new Date().toISOString().replace(/[:.]/g, '-'));
/** Tokens on the map; fewer than the default 20,000 keep the layout step under a minute on two cores. */
const MAP_TOKENS = '5000';

/** The hook the dashboard exposes for locating a token's point on the map. */
interface MapWindow {
  flow2vecMap: { pointPosition(token: string): { x: number; y: number } | null; seriesNames(): string[] };
}

/**
 * The dashboard in headless Chromium against a real server: scenario 6 uploaded through the page, a model trained
 * from the page's form, the job watched until done, the map opened and a point clicked for its neighbours.
 */
describe('dashboard in Chromium', () => {
  let server: TestServer;
  let browser: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const requestedUrls: string[] = [];
  const apiKeyHeaders: (string | undefined)[] = [];

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: install Debian's Chromium with "apt-get install -y chromium" (.ci/run does this)`,
    );
    assert.ok(
      existsSync(join(REPO_ROOT, 'dist', 'dashboard', 'index.html')),
      'dist/dashboard is missing: run "npm run build" before the tests',
    );

    server = await startTestServer({ env: { PROJECTION_MAX_TOKENS: MAP_TOKENS } });
    userDataDir = await mkdtemp(join(tmpdir(), 'flow2vec-chromium-'));
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    console.log(`Dashboard screenshots: ${SCREENSHOT_DIR}`);

    // A fresh profile per run, so no stored API key or cache carries over between runs.
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('request', (request) => {
      requestedUrls.push(request.url());
      if (request.url().includes('/api/v1/')) {
        apiKeyHeaders.push(request.headers()['x-api-key']);
      }
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (userDataDir) {
      await rm(userDataDir, { recursive: true, force: true });
    }
  });

  const screenshot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, name), fullPage: true });

  it('uploads, trains, maps and lists neighbours', { timeout: 40 * 60_000 }, async () => {
    await page.goto(`${server.baseUrl}/`);
    await page.fill('#api-key', server.adminKey);
    await page.click('#api-key-form button');
    await page.waitForSelector('#api-key-status:has-text("key saved")');
    // The first page load had no key to send; every request from here on must carry it.
    apiKeyHeaders.length = 0;

    await page.setInputFiles('#upload-file', CAPTURE);
    await page.click('#upload-form button');
    await page.waitForSelector('#upload-status:has-text("Uploaded")', { timeout: 10 * 60_000 });
    assert.match((await page.textContent('#upload-status')) ?? '', /558,919 flows/);
    await screenshot('01-capture-uploaded.png');

    // 50 dimensions keep the job short; 20 epochs keep the training phase long enough (tens of seconds with
    // the SIMD trainer) for the page's one-second polling to show it.
    await page.fill('#train-name', 'scenario 6 from the dashboard');
    await page.fill('#train-vector-size', '50');
    await page.fill('#train-epochs', '20');
    await page.click('#train-form button');

    await page.waitForSelector('#job-rows tr[data-state="active"] td:text-matches("^([1-9]|1[0-9]|20) / 20$")', {
      timeout: 10 * 60_000,
    });
    await screenshot('02-job-training.png');
    const activeRow = await page.textContent('#job-rows tr[data-state="active"]');
    assert.match(activeRow ?? '', /training/);

    await page.waitForSelector('#job-rows tr[data-state="completed"]', { timeout: 30 * 60_000 });
    await page.waitForSelector('#model-rows tr[data-status="ready"] button:has-text("Map")', { timeout: 60_000 });
    const jobRow = await page.textContent('#job-rows tr[data-state="completed"]');
    assert.match(jobRow ?? '', /done/);
    assert.match(jobRow ?? '', /100%/);
    // 20 epoch losses are drawn as a sparkline with the first and last value, not listed one by one.
    assert.equal(await page.locator('#model-rows tr[data-status="ready"] .losses svg polyline').count(), 1);
    assert.match(
      (await page.textContent('#model-rows tr[data-status="ready"] .losses')) ?? '',
      /^ [\d.e+-]+ → [\d.e+-]+$/,
    );
    await screenshot('03-job-done.png');

    await page.click('#model-rows tr[data-status="ready"] button:has-text("Map")');
    await page.waitForSelector('#map-status:has-text("laid out with UMAP")');
    await page.waitForSelector('#map canvas');
    const modelId = await page.getAttribute('#model-rows tr[data-status="ready"]', 'data-model-id');
    assert.ok(modelId, 'the ready model row has no model id');
    const projection = await json(await server.fetch(`/api/v1/models/${modelId}/projection`));
    assert.equal(projection.tokens.length, Number(MAP_TOKENS));

    // The most frequent botnet token: drawn on top of the other classes, so the click lands on it.
    const row = projection.labelClasses.indexOf('Botnet');
    assert.ok(row >= 0, 'no botnet token on the map');
    const token: string = projection.tokens[row];
    const position = await page.evaluate(
      (wanted) => (globalThis as unknown as MapWindow).flow2vecMap.pointPosition(wanted),
      token,
    );
    assert.ok(position, `no point for ${token}`);
    const { x, y } = position as { x: number; y: number };
    await page.mouse.move(x, y);
    await page.mouse.click(x, y);
    await page.waitForSelector('#neighbours li');
    const clicked = (await page.textContent('#neighbours-query')) ?? '';
    assert.ok(
      projection.tokens.includes(clicked.split(' ')[0]),
      `the clicked point "${clicked}" is not a token on the map`,
    );
    assert.equal(await page.locator('#neighbours li').count(), 10);
    await page.mouse.move(x, y);
    await screenshot('04-map-neighbours.png');

    const seriesNames = () => page.evaluate(() => (globalThis as unknown as MapWindow).flow2vecMap.seriesNames());
    assert.deepEqual(await seriesNames(), ['Background', 'Normal', 'Botnet']);
    await page.selectOption('#map-colour', 'cluster');
    assert.deepEqual((await seriesNames()).slice(0, 3), ['no cluster', 'cluster colour 1', 'cluster colour 2']);
    await page.waitForSelector('#map-colour-note:has-text("clusters on the map")');
    const cluster = projection.clusters[row];
    assert.equal(typeof cluster, 'number', `token ${token} has no cluster on the map`);
    const clusterPosition = await page.evaluate(
      (wanted) => (globalThis as unknown as MapWindow).flow2vecMap.pointPosition(wanted),
      token,
    );
    assert.deepEqual(clusterPosition, position, 'recolouring moved the point');
    // Points of other clusters may lie on top of this one, so the check is that the tooltip names the cluster of
    // whichever token it shows.
    await page.mouse.move(x + 40, y + 40);
    await page.mouse.move(x, y);
    await page.waitForFunction(`/cluster \\d+/.test(document.getElementById('map').innerText)`);
    const tooltip = await page.evaluate(`document.getElementById('map').innerText`);
    const hoveredToken = (tooltip as string).trim().split('\n')[0];
    const hoveredRow = projection.tokens.indexOf(hoveredToken);
    assert.ok(hoveredRow >= 0, `the tooltip "${tooltip}" does not start with a token on the map`);
    assert.match(tooltip as string, new RegExp(`cluster ${projection.clusters[hoveredRow]}\\b`));
    await screenshot('05-map-clusters.png');

    await page.click('#model-rows tr[data-status="ready"] button:has-text("Clusters")');
    await page.waitForSelector('#cluster-rows tr');
    const clusterPage = await json(await server.fetch(`/api/v1/models/${modelId}/clusters?limit=20`));
    assert.equal(await page.locator('#cluster-rows tr').count(), Math.min(20, clusterPage.total));
    assert.equal(await page.textContent('#clusters-status'), `clusters 1–20 of ${clusterPage.total}`);
    await page.click('#clusters-next');
    await page.waitForSelector(`#clusters-status:has-text("clusters 21–")`);

    await page.selectOption('#clusters-label-class', 'Botnet');
    await page.waitForSelector('#clusters-status:has-text("with Botnet flows")');
    const botnetPage = await json(
      await server.fetch(`/api/v1/models/${modelId}/clusters?labelClass=Botnet&order=share&limit=20`),
    );
    const shownIds = await page
      .locator('#cluster-rows tr')
      .evaluateAll((rows) =>
        rows.map((tr) => Number((tr as unknown as { dataset: { clusterId: string } }).dataset.clusterId)),
      );
    assert.deepEqual(
      shownIds,
      botnetPage.items.map((item: { clusterId: number }) => item.clusterId),
    );

    const first = botnetPage.items[0];
    await page.click(`#cluster-rows tr[data-cluster-id="${first.clusterId}"]`);
    await page.waitForSelector(`#cluster-members-status:has-text("Cluster ${first.clusterId}:")`);
    const members = await json(
      await server.fetch(`/api/v1/models/${modelId}/clusters/${first.clusterId}/members?limit=50`),
    );
    assert.equal(await page.locator('#cluster-members li').count(), members.items.length);
    assert.equal(((await page.textContent('#cluster-members li')) ?? '').split(' ')[0], members.items[0].token);
    await screenshot('06-clusters.png');

    // The capture classified by the model as a job, and the job's CSV downloaded from the jobs table.
    await page.selectOption('#classify-model', modelId);
    await page.click('#classify-form button');
    const classifyRow = '#job-rows tr[data-kind="classify"][data-state="completed"]';
    await page.waitForSelector(`${classifyRow} button:has-text("CSV")`, { timeout: 10 * 60_000 });
    await screenshot('07-classification.png');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click(`${classifyRow} button`)]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\n');
    assert.equal(lines[0], 'line,token,status,labelClass,confidence,label');
    assert.equal(lines.length, 558_919 + 1);
    console.log(
      `Dashboard screenshots written: ${(await readdir(SCREENSHOT_DIR)).map((name) => join(SCREENSHOT_DIR, name)).join(', ')}`,
    );

    const foreign = requestedUrls.filter((url) => !url.startsWith(server.baseUrl) && !url.startsWith('data:'));
    assert.deepEqual(foreign, [], 'the page requested other hosts');
    assert.ok(apiKeyHeaders.length > 0, 'no API request was recorded');
    assert.ok(
      apiKeyHeaders.every((header) => header === server.adminKey),
      'an API request went without the key',
    );
  });
});
