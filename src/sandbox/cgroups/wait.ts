// Waiting for the kernel to reach a state: a few synchronous checks first (the common case settles within
// microseconds, e.g. freezing an idle environment), then polling on timers.

import { sleep } from './files.js';

export async function waitUntil(done: () => boolean, timeoutMs: number, spins = 200): Promise<boolean> {
  for (let i = 0; i < spins; i++) if (done()) return true;
  const deadline = Date.now() + timeoutMs;
  let delay = 1;
  while (Date.now() < deadline) {
    await sleep(delay);
    if (done()) return true;
    delay = Math.min(delay * 2, 20);
  }
  return done();
}
