// A pre-warmed start: the runtime was started before any function was known (its modules already loaded),
// with Kindling's marker _KINDLING_PREWARMED=1 and nothing of any function. It asks its Runtime API which
// function it is for (a Kindling-internal call that blocks until the host has specialised the
// environment: code at /var/task, layers at /opt, limits set), then takes on exactly the environment the
// function must see. From there the start is an ordinary one: the handler loads, INIT completes.

import Module from 'node:module';
import type { RuntimeApiClient } from './runtime-api-client.js';
import { takeRuntimeApiSocket } from './runtime-api-socket.js';

/** Waits for the assignment, then replaces process.env with the function's environment, nothing else. */
export async function awaitAssignment(client: RuntimeApiClient): Promise<void> {
  const environment = await client.awaitAssignment();
  for (const key of Object.keys(process.env)) delete process.env[key];
  // Setting TZ through process.env makes Node drop its cached time zone, as a start with it would.
  Object.assign(process.env, environment);
  // NODE_PATH is read once when the module system starts: read it again for the function's value.
  (Module as unknown as { _initPaths(): void })._initPaths();
  // The assigned environment names the Runtime API's socket, if the host offers one: the client moves to
  // it (the assignment itself came over AWS_LAMBDA_RUNTIME_API), and the function never sees the name.
  const socketPath = takeRuntimeApiSocket();
  if (socketPath !== undefined) client.useSocket(socketPath);
  const taskRoot = process.env.LAMBDA_TASK_ROOT;
  if (taskRoot !== undefined && taskRoot !== process.cwd()) process.chdir(taskRoot);
}
