import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteBudget, runPool } from '../../../src/export/pool';

test('runPool never runs more than the limit at once and visits every item', async () => {
  let running = 0;
  let peak = 0;
  const seen: number[] = [];
  await runPool(
    Array.from({ length: 40 }, (_, i) => i),
    5,
    async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      seen.push(i);
      running--;
    },
  );
  assert.equal(peak, 5);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});

test('runPool stops taking items after cancellation', async () => {
  const abort = new AbortController();
  let started = 0;
  await assert.rejects(
    runPool(Array.from({ length: 100 }, (_, i) => i), 4, async (i) => {
      started++;
      if (i === 5) abort.abort();
      await new Promise((r) => setImmediate(r));
    }, abort.signal),
    { name: 'AbortError' },
  );
  assert.ok(started < 12, `started ${started}`);
});

test('ByteBudget grants in order and never over-commits', async () => {
  const budget = new ByteBudget(10);
  const order: string[] = [];
  await budget.acquire(6);
  const a = budget.acquire(6).then(() => order.push('a'));
  const b = budget.acquire(1).then(() => order.push('b'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, [], 'b waits behind a even though it would fit');
  budget.release(6);
  await Promise.all([a, b]);
  assert.deepEqual(order, ['a', 'b']);
  // Larger than the whole budget: granted when alone.
  budget.release(7);
  await budget.acquire(50);
});
