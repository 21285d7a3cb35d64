import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/test-server';

// No Docker engine runs where these tests run, so they check what can be checked without one: the compose
// file's services and wiring, and that every path the Dockerfile copies exists.
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

  it('Dockerfile copies only paths that exist', async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => match[1].split(/\s+/));
    assert.ok(sources.length > 0);
    for (const source of sources) {
      assert.ok(existsSync(join(REPO_ROOT, source)), `Dockerfile copies ${source}, which does not exist`);
    }
  });

  it('Dockerfile starts the compiled entry point', async () => {
    const dockerfile = await readFile(join(REPO_ROOT, 'docker', 'Dockerfile'), 'utf8');
    assert.match(dockerfile, /ENTRYPOINT \["node", "dist\/src\/main\.js"\]/);
    assert.ok(existsSync(join(REPO_ROOT, 'dist', 'src', 'main.js')), 'run npm run build first');
  });
});
