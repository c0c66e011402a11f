import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseWarmEnvironment, makeRoom } from '../../src/worker/placement.js';

describe('placement', () => {
  it('takes the most recently idle available environment', () => {
    assert.equal(chooseWarmEnvironment([]), -1);
    assert.equal(chooseWarmEnvironment([{ state: 'frozen' }, { state: 'idle' }]), 1);
    assert.equal(chooseWarmEnvironment([{ state: 'idle' }, { state: 'frozen' }]), 1);
    assert.equal(chooseWarmEnvironment([{ state: 'idle' }, { state: 'busy' }, { state: 'dead' }]), 0);
    assert.equal(chooseWarmEnvironment([{ state: 'busy' }, { state: 'initializing' }]), -1);
  });

  const env = (
    id: string,
    state: 'idle' | 'frozen' | 'busy' | 'initializing',
    idleSince: number,
    memoryMb = 128,
  ) => ({
    id,
    state,
    idleSince,
    memoryMb,
  });

  it('fits without evicting when the budget allows', () => {
    assert.deepEqual(
      makeRoom({ memoryMb: 128, inUseMb: 128, budgetMb: 256, environments: [env('a', 'idle', 1)] }),
      {
        kind: 'fits',
      },
    );
  });

  it('evicts idle environments least-recently-used first, only as many as needed', () => {
    const environments = [
      env('new', 'idle', 30),
      env('old', 'frozen', 10),
      env('mid', 'idle', 20),
      env('b', 'busy', 0),
    ];
    assert.deepEqual(makeRoom({ memoryMb: 128, inUseMb: 512, budgetMb: 512, environments }), {
      kind: 'evict',
      victims: ['old'],
    });
    assert.deepEqual(makeRoom({ memoryMb: 256, inUseMb: 512, budgetMb: 512, environments }), {
      kind: 'evict',
      victims: ['old', 'mid'],
    });
  });

  it('answers full when busy and initializing environments hold the memory', () => {
    const environments = [env('a', 'busy', 0), env('b', 'initializing', 0), env('c', 'idle', 5)];
    assert.deepEqual(makeRoom({ memoryMb: 256, inUseMb: 384, budgetMb: 384, environments }), {
      kind: 'full',
    });
    assert.deepEqual(makeRoom({ memoryMb: 1024, inUseMb: 0, budgetMb: 512, environments: [] }), {
      kind: 'full',
    });
  });
});
