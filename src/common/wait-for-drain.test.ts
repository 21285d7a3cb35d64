import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { waitForDrain } from './wait-for-drain';

/** A writable with a 1-byte buffer whose writes complete only when the test calls `completeWrite`. */
class HeldWritable extends Writable {
  private pending: (() => void)[] = [];

  constructor() {
    super({ highWaterMark: 1 });
  }

  override _write(_chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(() => callback());
  }

  completeWrite(): void {
    this.pending.shift()?.();
  }
}

function listenerCounts(stream: Writable): Record<string, number> {
  return {
    drain: stream.listenerCount('drain'),
    error: stream.listenerCount('error'),
    close: stream.listenerCount('close'),
  };
}

/** Resolves with 'settled' or 'pending', depending on whether `promise` has settled after a turn of the event loop. */
async function stateOf(promise: Promise<unknown>): Promise<'settled' | 'pending'> {
  const pending = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    new Promise((resolve) => setImmediate(resolve, pending)),
  ]);
  return winner === pending ? 'pending' : 'settled';
}

describe('waitForDrain', () => {
  it('resolves on drain and removes its listeners', async () => {
    const stream = new HeldWritable();
    const before = listenerCounts(stream);
    const controller = new AbortController();

    for (let i = 0; i < 50; i++) {
      assert.equal(stream.write('x'), false);
      const wait = waitForDrain(stream, controller.signal);
      assert.equal(await stateOf(wait), 'pending');
      stream.completeWrite();
      await wait;
    }

    assert.deepEqual(listenerCounts(stream), before);
  });

  it('resolves when the stream is destroyed while waiting', async () => {
    const stream = new HeldWritable();
    const before = listenerCounts(stream);
    stream.write('x');
    const wait = waitForDrain(stream);

    stream.destroy();

    await wait;
    assert.deepEqual(listenerCounts(stream), before);
  });

  it('rejects with the error of an errored stream', async () => {
    const stream = new HeldWritable();
    const before = listenerCounts(stream);
    const writeError = new Error('disk full');
    stream.write('x');
    const wait = waitForDrain(stream);

    stream.destroy(writeError);

    await assert.rejects(wait, writeError);
    assert.deepEqual(listenerCounts(stream), before);
  });

  it('rejects with the abort reason', async () => {
    const stream = new HeldWritable();
    const before = listenerCounts(stream);
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    stream.write('x');
    const wait = waitForDrain(stream, controller.signal);

    controller.abort(reason);

    await assert.rejects(wait, reason);
    assert.deepEqual(listenerCounts(stream), before);
  });

  it('rejects at once on an aborted signal', async () => {
    const stream = new HeldWritable();
    const reason = new Error('job cancelled');
    stream.write('x');

    await assert.rejects(waitForDrain(stream, AbortSignal.abort(reason)), reason);
    assert.equal(stream.listenerCount('drain'), 0);
  });

  it('resolves at once without pending drain', async () => {
    const destroyed = new HeldWritable();
    destroyed.write('x');
    destroyed.destroy();

    await waitForDrain(new HeldWritable());
    await waitForDrain(destroyed);
  });
});
