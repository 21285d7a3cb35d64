import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { plantedDestination, plantedGroupCapture, plantedService, plantedSource } from './support/planted-groups';
import { json, startTestServer, TestServer, waitFor } from './support/test-server';

const CLASSES = ['Botnet', 'Normal', 'Background'];
const DIM = 16;
const K = 12;

interface TokenRow {
  tokenId: number;
  token: string;
  count: number;
  labelClass: string;
  cluster: number;
  centroidSimilarity: number;
}

/** Exact cosine similarities between all rows, computed here without any of the server's code. */
function cosineMatrix(vectors: Float32Array, n: number): number[][] {
  const unit = Array.from({ length: n }, (_, i) => {
    const row = Array.from(vectors.subarray(i * DIM, (i + 1) * DIM));
    const norm = Math.sqrt(row.reduce((sum, value) => sum + value * value, 0));
    return row.map((value) => value / norm);
  });
  return unit.map((a) => unit.map((b) => a.reduce((sum, value, j) => sum + value * b[j], 0)));
}

function nearestTen(similarities: number[][], token: number): number[] {
  return similarities[token]
    .map((similarity, other) => ({ other, similarity }))
    .filter(({ other }) => other !== token)
    .sort((a, b) => b.similarity - a.similarity || a.other - b.other)
    .slice(0, 10)
    .map(({ other }) => other);
}

describe('clusters and evaluation', () => {
  let server: TestServer;
  let modelId: string;
  let versionId: string;
  let tokens: TokenRow[];
  let similarities: number[][];
  let model: any; // eslint-disable-line @typescript-eslint/no-explicit-any

  const getJson = async (path: string) => json(await server.fetch(path));
  const graphql = async (query: string) =>
    json(
      await server.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      }),
    );

  before(async () => {
    server = await startTestServer();
    const form = new FormData();
    form.append('file', new Blob([plantedGroupCapture(120)]), 'planted-groups.binetflow');
    const capture = await json(await server.fetch('/api/v1/captures', { method: 'POST', body: form }));

    const created = await json(
      await server.fetch('/api/v1/models', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          captureIds: [capture.id],
          trainer: { vectorSize: DIM, epochs: 10, workers: 1, seed: 5, sample: 0 },
          clustering: { k: K },
        }),
      }),
    );
    modelId = created.model.id;
    const job = await waitFor(
      async () => {
        const current = await getJson(`/api/v1/jobs/${created.job.id}`);
        return ['completed', 'failed'].includes(current.state) ? current : undefined;
      },
      180_000,
      () => server.output().slice(-3000),
    );
    assert.equal(job.state, 'completed', job.error);

    model = await getJson(`/api/v1/models/${modelId}`);
    versionId = model.versionId;
    tokens = await server.query<TokenRow>(
      'SELECT "tokenId", token, count, "labelClass", cluster, "centroidSimilarity" FROM tokens ' +
        'WHERE "modelId" = $1 ORDER BY "tokenId"',
      [versionId],
    );
    const bytes = await readFile(join(server.dataDir, 'models', versionId, 'vectors.f32'));
    const vectors = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    similarities = cosineMatrix(vectors, tokens.length);
  });

  after(async () => {
    await server?.stop();
  });

  it('job runs clustering and evaluating phases', async () => {
    const phases = model.phaseSeconds.map((entry: { phase: string }) => entry.phase);
    assert.ok(phases.includes('clustering'), phases.join());
    assert.ok(phases.includes('evaluating'), phases.join());
    assert.equal(tokens.length, 144);
    assert.equal(model.evaluation.clustering.k, K);
  });

  it('every token has a cluster matching the clusters table', async () => {
    const stored = await server.query<{ clusterId: number; size: number; flows: string; flowComposition: any }>(
      'SELECT "clusterId", size, flows, "flowComposition" FROM clusters WHERE "modelId" = $1 ORDER BY "clusterId"',
      [versionId],
    );
    assert.equal(stored.length, K);
    for (const cluster of stored) {
      const members = tokens.filter((token) => token.cluster === cluster.clusterId);
      assert.equal(cluster.size, members.length, `size of cluster ${cluster.clusterId}`);
      assert.equal(
        Number(cluster.flows),
        members.reduce((sum, token) => sum + token.count, 0),
      );
      for (const labelClass of CLASSES) {
        const flows = members.filter((token) => token.labelClass === labelClass).reduce((s, t) => s + t.count, 0);
        assert.equal(cluster.flowComposition[labelClass], flows, `${labelClass} flows of ${cluster.clusterId}`);
      }
    }
    assert.ok(tokens.every((token) => token.cluster !== null && token.cluster >= 0 && token.cluster < K));
  });

  it('centroid similarity matches brute force', () => {
    for (const cluster of new Set(tokens.map((token) => token.cluster))) {
      const members = tokens.filter((token) => token.cluster === cluster).map((token) => token.tokenId);
      // The centroid is the mean of the unit vectors, so the cosine of a member to it is the mean of its cosines
      // to every member divided by the centroid's norm.
      const centroidNorm =
        Math.sqrt(members.reduce((sum, a) => sum + members.reduce((inner, b) => inner + similarities[a][b], 0), 0)) /
        members.length;
      for (const member of members) {
        const expected = members.reduce((sum, other) => sum + similarities[member][other], 0) / members.length;
        assert.ok(
          Math.abs(tokens[member].centroidSimilarity - expected / centroidNorm) < 1e-4,
          `token ${member}: stored ${tokens[member].centroidSimilarity}, expected ${expected / centroidNorm}`,
        );
      }
    }
  });

  it('label agreement@10 matches brute force', () => {
    for (const labelClass of CLASSES) {
      const members = tokens.filter((token) => token.labelClass === labelClass);
      let tokenShares = 0;
      let flowShares = 0;
      let flows = 0;
      for (const token of members) {
        const share =
          nearestTen(similarities, token.tokenId).filter((other) => tokens[other].labelClass === labelClass).length /
          10;
        tokenShares += share;
        flowShares += share * token.count;
        flows += token.count;
      }

      const byTokens = model.evaluation.labelAgreementByTokens.find((entry: any) => entry.labelClass === labelClass);
      const byFlows = model.evaluation.labelAgreementByFlows.find((entry: any) => entry.labelClass === labelClass);
      assert.equal(byTokens.tokens, members.length);
      assert.ok(Math.abs(byTokens.agreement - tokenShares / members.length) < 1e-9, `${labelClass} by tokens`);
      assert.ok(Math.abs(byFlows.agreement - flowShares / flows) < 1e-9, `${labelClass} by flows`);
    }
  });

  it('botnet vote scores match brute force', () => {
    let truePositives = 0;
    let falsePositives = 0;
    let falseNegatives = 0;
    for (const token of tokens) {
      const votes = new Map(CLASSES.map((labelClass) => [labelClass, 0]));
      for (const other of nearestTen(similarities, token.tokenId)) {
        const labelClass = tokens[other].labelClass;
        votes.set(labelClass, votes.get(labelClass)! + Math.max(similarities[token.tokenId][other], 0));
      }
      const predicted = CLASSES.reduce((best, labelClass) =>
        votes.get(labelClass)! > votes.get(best)! ? labelClass : best,
      );
      const positive = predicted === 'Botnet';
      const actual = token.labelClass === 'Botnet';
      truePositives += positive && actual ? 1 : 0;
      falsePositives += positive && !actual ? 1 : 0;
      falseNegatives += !positive && actual ? 1 : 0;
    }

    const scores = model.evaluation.botnetDetectionByTokens;
    assert.equal(scores.truePositives, truePositives);
    assert.equal(scores.falsePositives, falsePositives);
    assert.equal(scores.falseNegatives, falseNegatives);
    const precision = truePositives / (truePositives + falsePositives);
    const recall = truePositives / (truePositives + falseNegatives);
    assert.ok(Math.abs(scores.f1 - (2 * precision * recall) / (precision + recall)) < 1e-9);
    // Groups are label-pure and never share tokens, so a trained model separates them.
    assert.ok(scores.f1 > 0.9, `botnet F1 ${scores.f1}`);
  });

  it('cluster purity matches brute force', () => {
    let majorityTokens = 0;
    let majorityFlows = 0;
    for (let cluster = 0; cluster < K; cluster++) {
      const members = tokens.filter((token) => token.cluster === cluster);
      majorityTokens += Math.max(...CLASSES.map((c) => members.filter((t) => t.labelClass === c).length));
      majorityFlows += Math.max(
        ...CLASSES.map((c) => members.filter((t) => t.labelClass === c).reduce((sum, t) => sum + t.count, 0)),
      );
    }
    const totalFlows = tokens.reduce((sum, token) => sum + token.count, 0);
    assert.ok(Math.abs(model.evaluation.clusterPurityByTokens - majorityTokens / tokens.length) < 1e-9);
    assert.ok(Math.abs(model.evaluation.clusterPurityByFlows - majorityFlows / totalFlows) < 1e-9);
  });
  it('token cluster REST and GraphQL agree with tokens', async () => {
    const token = tokens[3];
    const rest = await getJson(`/api/v1/models/${modelId}/token-cluster?token=${encodeURIComponent(token.token)}`);
    assert.equal(rest.cluster.clusterId, token.cluster);
    assert.equal(rest.token.token, token.token);
    assert.ok(Math.abs(rest.token.centroidSimilarity - token.centroidSimilarity) < 1e-6);

    const { data, errors } = await graphql(
      `{ tokenCluster(modelId: "${modelId}", token: "${token.token}") { cluster { clusterId size } } }`,
    );
    assert.equal(errors, undefined);
    assert.equal(data.tokenCluster.cluster.clusterId, token.cluster);
    assert.equal(data.tokenCluster.cluster.size, tokens.filter((t) => t.cluster === token.cluster).length);

    const missing = await server.fetch(`/api/v1/models/${modelId}/token-cluster?token=10.9.9.9%7C1.1.1.1%7C1%7Cudp`);
    assert.equal(missing.status, 404);
  });

  it('cluster members page by count and distance', async () => {
    const cluster = tokens[0].cluster;
    const members = tokens.filter((token) => token.cluster === cluster);
    const byCount = await getJson(`/api/v1/models/${modelId}/clusters/${cluster}/members?order=count&limit=500`);
    assert.equal(byCount.total, members.length);
    assert.deepEqual(
      byCount.items.map((item: { token: string }) => item.token),
      [...members].sort((a, b) => b.count - a.count || a.tokenId - b.tokenId).map((token) => token.token),
    );

    const byDistance = await getJson(`/api/v1/models/${modelId}/clusters/${cluster}/members?order=distance&limit=500`);
    const expected = [...members].sort((a, b) => b.centroidSimilarity - a.centroidSimilarity || a.tokenId - b.tokenId);
    assert.deepEqual(
      byDistance.items.map((item: { token: string }) => item.token),
      expected.map((token) => token.token),
    );

    const page = await getJson(`/api/v1/models/${modelId}/clusters/${cluster}/members?order=distance&limit=2&offset=1`);
    assert.deepEqual(
      page.items.map((item: { token: string }) => item.token),
      expected.slice(1, 3).map((token) => token.token),
    );
  });

  it('clusters filtered by botnet share, purest first', async () => {
    const shareOf = (cluster: number) => {
      const members = tokens.filter((token) => token.cluster === cluster);
      const flows = members.reduce((sum, token) => sum + token.count, 0);
      const botnet = members.filter((t) => t.labelClass === 'Botnet').reduce((sum, t) => sum + t.count, 0);
      return { botnet, share: botnet / flows, flows };
    };
    const expected = Array.from({ length: K }, (_, cluster) => ({ cluster, ...shareOf(cluster) }))
      .filter((entry) => entry.botnet > 0)
      .sort((a, b) => b.share - a.share || b.flows - a.flows || a.cluster - b.cluster)
      .map((entry) => entry.cluster);
    assert.ok(expected.length > 0);

    const rest = await getJson(`/api/v1/models/${modelId}/clusters?labelClass=Botnet&limit=500`);
    assert.equal(rest.total, expected.length);
    assert.deepEqual(
      rest.items.map((item: { clusterId: number }) => item.clusterId),
      expected,
    );
    const botnet = rest.items[0].flowComposition.find((entry: { labelClass: string }) => entry.labelClass === 'Botnet');
    assert.ok(Math.abs(botnet.share - shareOf(expected[0]).share) < 1e-9);

    const pure = await getJson(`/api/v1/models/${modelId}/clusters?labelClass=Botnet&minShare=1&limit=500`);
    assert.deepEqual(
      pure.items.map((item: { clusterId: number }) => item.clusterId),
      expected.filter((cluster) => shareOf(cluster).share === 1),
    );

    const { data, errors } = await graphql(
      `{ clusters(modelId: "${modelId}", labelClass: "Botnet", limit: 500) { total items { clusterId } } }`,
    );
    assert.equal(errors, undefined);
    assert.deepEqual(
      data.clusters.items.map((item: { clusterId: number }) => item.clusterId),
      expected,
    );
  });

  it('unknown cluster and invalid class rejected', async () => {
    const missing = await server.fetch(`/api/v1/models/${modelId}/clusters/${K + 5}`);
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).code, 'CLUSTER_NOT_FOUND');

    const invalid = await server.fetch(`/api/v1/models/${modelId}/clusters?labelClass=Spam`);
    assert.equal(invalid.status, 400);
    assert.match((await json(invalid)).message, /labelClass must be one of the following values: Botnet, Normal/);
  });
  const classify = async (body: unknown) =>
    server.fetch(`/api/v1/models/${modelId}/classify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('classify known flow by neighbour vote', async () => {
    const { dport, proto } = plantedService(0);
    const flow = { srcAddr: plantedSource(0, 1), dstAddr: plantedDestination(0, 2), dport, proto: proto.toUpperCase() };
    const response = await classify({ flows: [flow] });
    const body = await json(response);
    assert.equal(response.status, 200, JSON.stringify(body));

    const [result] = body.flows;
    const token = tokens.find((entry) => entry.token === `${flow.srcAddr}|${flow.dstAddr}|${dport}|${proto}`)!;
    assert.equal(result.status, 'known');
    assert.equal(result.token, token.token);
    assert.equal(result.neighbours.length, 10);
    const expectedNeighbours = nearestTen(similarities, token.tokenId).map((other) => tokens[other].token);
    assert.deepEqual(
      result.neighbours.map((neighbour: { token: string }) => neighbour.token),
      expectedNeighbours,
    );

    const votes = new Map(CLASSES.map((labelClass) => [labelClass, 0]));
    for (const neighbour of result.neighbours) {
      votes.set(neighbour.labelClass, votes.get(neighbour.labelClass)! + Math.max(neighbour.similarity, 0));
    }
    const total = [...votes.values()].reduce((sum, weight) => sum + weight, 0);
    assert.equal(result.labelClass, 'Botnet');
    assert.ok(Math.abs(result.confidence - votes.get('Botnet')! / total) < 1e-9);
    assert.equal(result.novelty, null);
  });

  it('classify unseen flows with novelty and evidence', async () => {
    const { dport, proto } = plantedService(0);
    const newSource = { srcAddr: '10.200.0.1', dstAddr: plantedDestination(0, 4), dport, proto };
    const nothingShared = { srcAddr: '10.201.0.1', dstAddr: '198.51.100.7', dport: '9', proto: 'udp' };
    const body = await json(await classify({ flows: [newSource, nothingShared] }));

    const [shared, alone] = body.flows;
    assert.equal(shared.status, 'unseen');
    assert.equal(shared.labelClass, null);
    assert.equal(shared.novelty, 0.25);
    assert.equal(shared.evidence.length, 4);
    for (const item of shared.evidence) {
      assert.deepEqual(item.sharedFields, ['dstAddr', 'dport', 'proto']);
      assert.equal(item.labelClass, 'Botnet');
    }

    assert.equal(alone.status, 'unseen');
    assert.equal(alone.novelty, 1);
    assert.deepEqual(alone.evidence, []);
  });

  it('classify binetflow rows counts rejected rows', async () => {
    const { dport, proto } = plantedService(3);
    const rows =
      'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label\n' +
      `2011/08/16 12:00:00.000000,0.1,${proto},${plantedSource(3, 0)},1234,  <->,${plantedDestination(3, 0)},` +
      `${dport},CON,0,0,2,200,100,flow=unknown\n` +
      '2011/08/16 12:00:01.000000,not-a-number\n';
    const response = await classify({ rows });
    const body = await json(response);
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.rejectedRows, 1);
    assert.equal(body.flows.length, 1);
    assert.equal(body.flows[0].status, 'known');
    assert.equal(body.flows[0].labelClass, 'Normal');
  });

  it('classify rejects flows and rows together', async () => {
    const response = await classify({ flows: [], rows: 'StartTime\n' });
    assert.equal(response.status, 400);
    assert.match((await json(response)).message, /exactly one of flows/);
  });

  it('classify mutation over GraphQL', async () => {
    const { dport, proto } = plantedService(5);
    const { data, errors } = await graphql(
      `mutation { classify(modelId: "${modelId}", flows: [{ srcAddr: "${plantedSource(5, 2)}", ` +
        `dstAddr: "${plantedDestination(5, 1)}", dport: "${dport}", proto: "${proto}" }]) ` +
        '{ flows { status labelClass confidence neighbours { token } } } }',
    );
    assert.equal(errors, undefined);
    assert.equal(data.classify.flows[0].status, 'known');
    assert.equal(data.classify.flows[0].labelClass, 'Background');
  });
});
