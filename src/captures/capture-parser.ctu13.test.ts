import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';

import { parseCapture } from './capture-parser';

/** Repository root, from `dist/src/captures` where the compiled test runs. */
const REPO_ROOT = path.resolve(__dirname, '../../..');

/** CTU-13 scenario 6, kept beside the repository and never committed (12 MB gzip, 77 MB decompressed). */
const SCENARIO_6 = path.resolve(REPO_ROOT, '../shared/data/ctu13/scenario06_capture20110816.binetflow.gz');

describe(
  'parseCapture on CTU-13 scenario 6',
  { skip: existsSync(SCENARIO_6) ? false : `${SCENARIO_6} not found` },
  () => {
    it('reads every flow with the published class counts', async () => {
      let maxHeapUsed = 0;
      let lastLine = 0;
      const summary = await parseCapture(createReadStream(SCENARIO_6), (_flow, line) => {
        lastLine = line;
        if (line % 50_000 === 0) {
          maxHeapUsed = Math.max(maxHeapUsed, process.memoryUsage().heapUsed);
        }
      });

      assert.equal(summary.format, 'binetflow');
      assert.equal(summary.flows, 558_919);
      assert.equal(summary.rejected, 0);
      assert.deepEqual(summary.labelClassCounts, { Botnet: 4_630, Normal: 7_494, Background: 546_795 });
      assert.equal(summary.protocolCounts.tcp, 128_447);
      assert.equal(summary.protocolCounts.udp, 421_045);
      assert.equal(summary.protocolCounts.icmp, 7_950);
      assert.equal(summary.decompressedBytes, 76_780_048);
      assert.equal(summary.firstStartTime, Date.UTC(2011, 7, 16, 10, 1, 46) / 1000 + 0.972101);
      assert.equal(summary.lastStartTime, Date.UTC(2011, 7, 16, 12, 10, 56) / 1000 + 0.805092);
      assert.equal(lastLine, 558_920);
      // The decompressed file alone is 77 MB, so a parser that kept it would break this bound.
      assert.ok(maxHeapUsed < 64 * 1024 * 1024, `heap reached ${maxHeapUsed} bytes`);
    });
  },
);
