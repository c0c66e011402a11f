import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type EnvironmentEvent,
  type EnvironmentState,
  IllegalTransitionError,
  transition,
} from '../../src/worker/environment-state.js';

const run = (from: EnvironmentState, ...events: EnvironmentEvent[]) => events.reduce(transition, from);

describe('execution environment state machine', () => {
  it('walks the lifecycle of a reused environment', () => {
    assert.equal(run('initializing', 'ready'), 'busy');
    assert.equal(run('initializing', 'ready', 'complete'), 'idle');
    assert.equal(run('initializing', 'ready', 'complete', 'freeze', 'invoke', 'complete'), 'idle');
    assert.equal(run('idle', 'keep-alive-expired'), 'dead');
    assert.equal(run('frozen', 'evict'), 'dead');
  });

  it('kills on timeout, exit, and failed or slow init', () => {
    assert.equal(transition('busy', 'timeout'), 'dead');
    assert.equal(transition('busy', 'exit'), 'dead');
    assert.equal(transition('initializing', 'init-failed'), 'dead');
    assert.equal(transition('initializing', 'init-timeout'), 'dead');
    assert.equal(transition('frozen', 'exit'), 'dead');
  });

  it('drains: idle ends now, busy finishes its invocation first', () => {
    assert.equal(transition('idle', 'drain'), 'dead');
    assert.equal(transition('frozen', 'drain'), 'dead');
    assert.equal(run('busy', 'drain', 'complete'), 'dead');
    assert.equal(run('initializing', 'drain', 'ready', 'complete'), 'dead');
  });

  it('accepts the late exit of an environment ended on purpose', () => {
    assert.equal(run('idle', 'evict', 'exit'), 'dead');
  });

  it('throws on illegal transitions', () => {
    const illegal: Array<[EnvironmentState, EnvironmentEvent]> = [
      ['busy', 'invoke'],
      ['initializing', 'invoke'],
      ['idle', 'complete'],
      ['frozen', 'freeze'],
      ['busy', 'evict'],
      ['dead', 'invoke'],
      ['dead', 'ready'],
      ['draining', 'invoke'],
    ];
    for (const [state, event] of illegal) {
      assert.throws(() => transition(state, event), IllegalTransitionError, `${event} in ${state}`);
    }
  });
});
