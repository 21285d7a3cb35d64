import assert from 'node:assert/strict';
import { test } from 'node:test';
import { estimateSecondsLeft, formatDuration } from './job-time-left';

const started = '2026-01-01T00:00:00Z';
const at = (seconds: number) => new Date(started).getTime() + seconds * 1000;

test('time left from average pace', () => {
  const job = { state: 'active', startedAt: started, progress: { fraction: 0.25 } };

  assert.equal(estimateSecondsLeft(job, at(60)), 180);
});

test('time left unknown before progress', () => {
  assert.equal(estimateSecondsLeft({ state: 'active', startedAt: started, progress: { fraction: 0 } }, at(5)), null);
  assert.equal(estimateSecondsLeft({ state: 'queued', startedAt: null, progress: { fraction: 0 } }, at(5)), null);
  assert.equal(estimateSecondsLeft({ state: 'completed', startedAt: started, progress: { fraction: 1 } }, at(5)), null);
});

test('duration formats', () => {
  assert.equal(formatDuration(42.4), '42s');
  assert.equal(formatDuration(185), '3m 05s');
  assert.equal(formatDuration(3720), '1h 02m');
});
