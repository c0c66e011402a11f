// The set-up the runtime suites share: each test starts a guest of one runtime against its own Runtime API
// peer, and every guest and peer a file started is stopped when the file ends.

import { after, before } from 'node:test';
import { type Guest, type GuestOptions, guestRuntimeDir, stageFixture, startGuest } from './guest.js';
import { RuntimeApiPeer } from './runtime-api-peer.js';

export interface Started {
  readonly api: RuntimeApiPeer;
  readonly guest: Guest;
}

export type StartGuest = (
  fixture: string,
  handler: string,
  options?: Partial<GuestOptions>,
) => Promise<Started>;

/** Registers the file's hooks (compile the runtimes first, stop every guest last) and returns `start`. */
export function guestsOf(runtime: GuestOptions['runtime']): StartGuest {
  const running: Started[] = [];
  before(() => {
    guestRuntimeDir();
  });
  after(async () => {
    for (const { api, guest } of running) {
      await guest.kill();
      await api.close();
    }
  });
  return async (fixture, handler, options = {}) => {
    const api = await RuntimeApiPeer.start();
    const guest = startGuest({
      runtime,
      taskRoot: options.taskRoot ?? stageFixture(fixture),
      handler,
      runtimeApi: api.address,
      ...options,
    });
    const started = { api, guest };
    running.push(started);
    return started;
  };
}

export const parse = (body: string): Record<string, unknown> => JSON.parse(body) as Record<string, unknown>;
