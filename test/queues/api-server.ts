// An in-process API server for tests of one component's operations: the real router, SigV4 verifier and
// server, with only the routes the test registers, on a loopback port.

import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { Routes } from '../../src/api/http.js';
import { Router } from '../../src/api/router.js';
import { createApiServer } from '../../src/api/server.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';

export const testCredentials = {
  accessKeyId: 'AKIAKINDLINGTESTKEY1',
  secretAccessKey: 'kindling-test-secret',
} as const;
export const testRegion = 'us-east-1';

export interface TestApiServer {
  readonly endpoint: string;
  readonly verifier: SigV4Verifier;
  close(): Promise<void>;
}

export async function startApiServer(
  register: (routes: Routes, verifier: SigV4Verifier) => void,
): Promise<TestApiServer> {
  const router = new Router();
  const verifier = new SigV4Verifier({
    secretFor: (id) => (id === testCredentials.accessKeyId ? testCredentials.secretAccessKey : undefined),
  });
  register(router, verifier);
  const server = createApiServer({ router, verifier, log: pino({ level: 'silent' }) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    verifier,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
