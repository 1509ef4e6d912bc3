// The sandbox's fault board: which responses a fault touches, at what share, and that a seed repeats a run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeFault, faultOptionsProblem } from '../../../src/sandbox/control';
import { FaultBoard, seededRandom, type BodyEffect } from '../../../src/sandbox/faults';

const effects = (board: FaultBoard, n: number, download = true): BodyEffect[] => Array.from({ length: n }, () => board.bodyEffect('primary', download));
const share = (list: BodyEffect[], effect: BodyEffect) => list.filter((e) => e === effect).length / list.length;

describe('sandbox fault board', () => {
  it('at the default rate, reset cuts every body and corrupt spoils every download but no listing or JSON', () => {
    const board = new FaultBoard();
    assert.deepEqual(effects(board, 5), Array(5).fill('intact'), 'no fault, nothing touched');
    board.set('primary', 'reset');
    assert.deepEqual([...effects(board, 5, true), ...effects(board, 5, false)], Array(10).fill('cut'));
    board.set('primary', 'corrupt');
    assert.deepEqual(effects(board, 5, true), Array(5).fill('corrupt'));
    assert.deepEqual(effects(board, 5, false), Array(5).fill('intact'));
    assert.equal(board.bodyEffect('secondary', true), 'intact', 'the other region is untouched');
    assert.equal(board.bodyEffect(undefined, true), 'intact', 'requests of no region (the control endpoint) are untouched');
    for (const mode of ['slow', 'throttle', 'outage'] as const) {
      board.set('primary', mode);
      assert.equal(board.bodyEffect('primary', true), 'intact', `${mode} leaves bodies alone`);
    }
  });

  it('with a rate, touches about that share of responses', () => {
    const board = new FaultBoard();
    board.set('primary', 'reset', { rate: 0.3 });
    const cut = share(effects(board, 10_000), 'cut');
    assert.ok(cut > 0.27 && cut < 0.33, `reset --rate 0.3 cut ${cut}`);
    board.set('primary', 'corrupt', { rate: 0.05, seed: 9 });
    const spoiled = share(effects(board, 10_000), 'corrupt');
    assert.ok(spoiled > 0.035 && spoiled < 0.065, `corrupt --rate 0.05 spoiled ${spoiled}`);
  });

  it('repeats the same picks for the same seed, and other picks for another seed', () => {
    const board = new FaultBoard();
    board.set('primary', 'reset', { rate: 0.3, seed: 42 });
    const first = effects(board, 200);
    board.set('primary', 'reset', { rate: 0.3, seed: 42 });
    assert.deepEqual(effects(board, 200), first, 'switching the same fault again starts the same sequence');
    board.set('primary', 'reset', { rate: 0.3, seed: 43 });
    assert.notDeepEqual(effects(board, 200), first);
    board.set('primary', 'reset', { rate: 0.3 });
    const byDefault = effects(board, 200);
    board.set('primary', 'reset', { rate: 0.3 });
    assert.deepEqual(effects(board, 200), byDefault, 'the default seed is fixed');
  });

  it('corrupt draws only for downloads, so listings in between do not change which downloads are spoiled', () => {
    const board = new FaultBoard();
    board.set('primary', 'corrupt', { rate: 0.5, seed: 5 });
    const alone = effects(board, 50, true);
    board.set('primary', 'corrupt', { rate: 0.5, seed: 5 });
    const interleaved = Array.from({ length: 50 }, () => (board.bodyEffect('primary', false), board.bodyEffect('primary', true)));
    assert.deepEqual(interleaved, alone);
  });

  it('corrupt --uploads spoils uploads (about the rate asked) and leaves every download intact; other modes never touch uploads', () => {
    const board = new FaultBoard();
    board.set('primary', 'corrupt', { uploads: true });
    assert.deepEqual(effects(board, 5, true), Array(5).fill('intact'));
    assert.deepEqual(Array.from({ length: 5 }, () => board.uploadCorrupted('primary')), Array(5).fill(true));
    assert.equal(board.uploadCorrupted('secondary'), false);
    board.set('primary', 'corrupt', { uploads: true, rate: 0.3, seed: 7 });
    const picks = Array.from({ length: 2000 }, () => board.uploadCorrupted('primary'));
    assert.ok(Math.abs(picks.filter(Boolean).length / picks.length - 0.3) < 0.05);
    for (const mode of ['corrupt', 'reset', 'outage'] as const) {
      board.set('primary', mode);
      assert.equal(board.uploadCorrupted('primary'), false, mode);
    }
    assert.match(faultOptionsProblem('reset', { uploads: true })!, /--uploads applies to corrupt only/);
    assert.equal(faultOptionsProblem('corrupt', { uploads: true, rate: 0.3 }), undefined);
    assert.equal(describeFault('corrupt', { uploads: true, rate: 0.3, seed: 2 }), 'corrupt (30 % of uploads, seed 2)');
    assert.equal(describeFault('corrupt', { uploads: true }), 'corrupt (uploads)');
  });

  it('seededRandom gives numbers in [0, 1) that do not depend on the machine', () => {
    const r = seededRandom(1);
    const xs = Array.from({ length: 1000 }, r);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    // mulberry32's published first outputs for seed 1: the same picks on every machine and Node version.
    assert.deepEqual(xs.slice(0, 3), [0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    assert.equal(new Set(xs).size, 1000);
  });

  it('refuses rates outside (0, 1], seeds that are not whole numbers, and either on modes they do not apply to', () => {
    assert.equal(faultOptionsProblem('reset', { rate: 0.3, seed: 7 }), undefined);
    assert.equal(faultOptionsProblem('corrupt', { rate: 1 }), undefined);
    for (const rate of [0, 1.5, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) assert.match(faultOptionsProblem('reset', { rate }) ?? '', /--rate must be a number above 0 and at most 1/, String(rate));
    assert.match(faultOptionsProblem('reset', { rate: '0.3' as unknown as number }) ?? '', /--rate must be/);
    for (const seed of [1.5, -1, 2 ** 32]) assert.match(faultOptionsProblem('reset', { seed }) ?? '', /--seed must be a whole number/, String(seed));
    assert.match(faultOptionsProblem('slow', { rate: 0.5 }) ?? '', /--rate applies to reset and corrupt only, not slow/);
    assert.match(faultOptionsProblem('outage', { seed: 3 }) ?? '', /--seed applies to reset and corrupt only/);
    assert.match(faultOptionsProblem('slow', { latencyMs: -5 }) ?? '', /latencyMs/);
  });

  it('describes a switched fault as the user asked for it', () => {
    assert.equal(describeFault('reset', {}), 'reset');
    assert.equal(describeFault('reset', { rate: 0.3 }), 'reset (30 % of responses, seed 1)');
    assert.equal(describeFault('corrupt', { rate: 0.05, seed: 9 }), 'corrupt (5 % of downloads, seed 9)');
    assert.equal(describeFault('slow', { latencyMs: 50 }), 'slow (50 ms per request)');
  });
});
