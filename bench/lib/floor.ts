// Starts the HTTP-hop floor (floor/echo-server.mjs) in its own process, as Kindling runs in its own:
// the load generator or client never shares an event loop with the server it measures.

import { spawn } from 'node:child_process';
import { onCleanup, stopPid } from './cleanup.js';

export interface FloorServer {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startFloorServer(): Promise<FloorServer> {
  const script = new URL('../floor/echo-server.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'], env: {} });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the floor server did not start');
  const stop = onCleanup(`floor server pid ${pid}`, () => stopPid(pid));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening (\d+)/.exec(out);
      if (m?.[1]) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the floor server exited (${code})`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, port, pid, stop };
}
