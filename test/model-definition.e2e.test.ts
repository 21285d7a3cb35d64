import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { plantedGroupCapture } from './support/planted-groups';
import { json, startTestServer, TestServer, waitFor } from './support/test-server';

const BOTNET_LABEL = 'flow=From-Botnet-V42-TCP-Attempt';

/** 600 flows from 5 hosts to 10 destinations each on port 25, every flow labelled botnet. */
function botnetCapture(): string {
  const lines = ['StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label'];
  const start = Date.UTC(2011, 7, 16, 12, 0, 0);
  for (let i = 0; i < 600; i++) {
    const time = new Date(start + i * 100).toISOString().replace('T', ' ').replace('Z', '').replaceAll('-', '/');
    lines.push(
      `${time},0.1,tcp,10.9.0.${i % 5},${41000 + (i % 500)},   ->,198.51.100.${Math.floor(i / 5) % 10},25,S_,0,0,1,60,60,` +
        BOTNET_LABEL,
    );
  }

  return `${lines.join('\n')}\n`;
}

/** One worker thread and a seed make training deterministic, so only the order of the captures can change vectors. */
const TRAINER = { vectorSize: 8, epochs: 2, workers: 1, seed: 11 };

describe('model definition over several captures', () => {
  let server: TestServer;
  let plantedId: string;
  let botnetId: string;

  const upload = async (text: string, name: string): Promise<string> => {
    const form = new FormData();
    form.append('file', new Blob([text]), name);
    const response = await server.fetch('/api/v1/captures', { method: 'POST', body: form });
    const capture = await json(response);
    assert.equal(response.status, 201, JSON.stringify(capture));
    return capture.id;
  };

  /** Trains a model on `captureIds` in that order and returns it once its job has completed. */
  const train = async (captureIds: string[]) => {
    const response = await server.fetch('/api/v1/models', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'ordered captures',
        captureIds,
        includeLabel: true,
        trainer: TRAINER,
        clustering: { k: 2 },
      }),
    });
    const created = { status: response.status, body: await json(response) };
    assert.equal(created.status, 202, JSON.stringify(created.body));

    const job = await waitFor(
      async () => {
        const current = await json(await server.fetch(`/api/v1/jobs/${created.body.job.id}`));
        return ['completed', 'failed'].includes(current.state) ? current : undefined;
      },
      180_000,
      () => `training job did not finish\n${server.output().slice(-3000)}`,
    );
    assert.equal(job.state, 'completed', JSON.stringify(job));

    return json(await server.fetch(`/api/v1/models/${created.body.model.id}`));
  };

  const vectorsText = async (modelId: string): Promise<string> => {
    const response = await server.fetch(`/api/v1/models/${modelId}/vectors?format=text`);
    assert.equal(response.status, 200);
    return response.text();
  };

  before(async () => {
    server = await startTestServer();
    plantedId = await upload(plantedGroupCapture(60), 'planted.binetflow');
    botnetId = await upload(botnetCapture(), 'botnet.binetflow');
  });

  after(async () => {
    await server?.stop();
  });

  it('includeLabel marks the model label-leaking', async () => {
    const model = await train([plantedId, botnetId]);

    assert.equal(model.includeLabel, true);
    assert.equal(model.labelLeaking, true);
  });

  it('vocabulary spans every capture', async () => {
    const model = await train([plantedId, botnetId]);
    const botnetToken = `10.9.0.1|198.51.100.7|25|tcp|${BOTNET_LABEL}`;
    const details = await server.fetch(`/api/v1/models/${model.id}/tokens/${encodeURIComponent(botnetToken)}`);
    const body = await json(details);

    assert.equal(details.status, 200, JSON.stringify(body));
    assert.equal(body.labelClass, 'Botnet');
    // 144 planted tokens and 5 hosts × 10 destinations from the second capture.
    assert.equal(model.vocabularySize, 144 + 50);
  });

  it('captures train in the order given', async () => {
    const first = await train([plantedId, botnetId]);
    const again = await train([plantedId, botnetId]);
    const reversed = await train([botnetId, plantedId]);

    const firstVectors = await vectorsText(first.id);
    const reversedVectors = await vectorsText(reversed.id);
    assert.equal(await vectorsText(again.id), firstVectors, 'the same order and seed give the same vectors');
    assert.deepEqual(
      reversedVectors.split('\n').map((line) => line.split(' ')[0]),
      firstVectors.split('\n').map((line) => line.split(' ')[0]),
      'the vocabulary and its order do not depend on the capture order',
    );
    assert.notEqual(reversedVectors, firstVectors, 'the reversed order trains other vectors');
  });
});
