import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/test-server';

// No Docker engine runs where these tests run, so they check what can be checked without one: the compose
// file's services and wiring, and that the build stage's `npm run build` succeeds with only the paths it copies.
describe('docker files', () => {
  it('compose runs api, worker, postgres and redis', async () => {
    const compose = parse(await readFile(join(REPO_ROOT, 'docker', 'compose.yaml'), 'utf8'));
    assert.deepEqual(Object.keys(compose.services).sort(), ['api', 'postgres', 'redis', 'worker']);
    assert.deepEqual(compose.services.api.command, ['--role', 'api']);
    assert.deepEqual(compose.services.worker.command, ['--role', 'worker']);
    assert.equal(compose.services.worker.environment.DB_HOST, 'postgres');
    assert.equal(compose.services.worker.environment.REDIS_HOST, 'redis');
    assert.ok(compose.services.api.volumes.includes('artifacts:/data'));
    assert.ok(compose.services.worker.volumes.includes('artifacts:/data'));
  });

  it('build stage builds from the paths it copies', { timeout: 600_000 }, async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
    const context = await mkdtemp(join(tmpdir(), 'flow2vec-docker-build-'));
    try {
      for (const { sources, destination } of buildStageCopies(dockerfile)) {
        for (const source of sources) {
          const target = destination.endsWith('/')
            ? join(context, destination, basename(source))
            : join(context, destination);
          await cp(join(REPO_ROOT, source), target, { recursive: true });
        }
      }
      // The image installs its dependencies with `npm ci`; the repository's installed ones stand in for them.
      await symlink(join(REPO_ROOT, 'node_modules'), join(context, 'node_modules'), 'dir');

      const build = await runBuild(context);
      assert.equal(build.code, 0, `npm run build failed with only the copied paths:\n${build.output.slice(-4000)}`);
      assert.ok(existsSync(join(context, 'dist', 'src', 'main.js')), 'the build wrote no dist/src/main.js');
      assert.ok(existsSync(join(context, 'dist', 'dashboard', 'index.html')), 'the build wrote no dashboard');
    } finally {
      // The link goes first, so that removing the directory cannot reach the repository's node_modules.
      await rm(join(context, 'node_modules'), { force: true });
      await rm(context, { recursive: true, force: true });
    }
  });

  it('Dockerfile starts the compiled entry point', async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /ENTRYPOINT \["node", "dist\/src\/main\.js"\]/);
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'src', 'main.js')), 'run npm run build first');
  });
});

/**
 * Returns the COPY instructions of the Dockerfile's first (build) stage that come before its `RUN npm run build`.
 * Destinations are relative to the stage's WORKDIR /app.
 */
function buildStageCopies(dockerfile: string): { sources: string[]; destination: string }[] {
  const buildStage = dockerfile.split(/^FROM /m)[1];
  assert.match(buildStage, /^WORKDIR \/app$/m, 'the build stage works in /app');
  const buildAt = buildStage.search(/^RUN npm run build\b/m);
  assert.ok(buildAt > 0, 'the build stage runs npm run build');

  const copies = [...buildStage.slice(0, buildAt).matchAll(/^COPY (.+)$/gm)].map((match) => {
    const words = match[1].trim().split(/\s+/);
    assert.ok(!words[0].startsWith('--'), `COPY options are not handled here: ${match[0]}`);
    return { sources: words.slice(0, -1), destination: words[words.length - 1] };
  });
  assert.ok(copies.length > 0, 'the build stage copies nothing');
  return copies;
}

/** Runs `npm run build` in `directory` and resolves with its exit code and combined output. */
function runBuild(directory: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('npm', ['run', 'build'], { cwd: directory, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}
