// Kindling's direct line to the Runtime API. Where the sandbox offers it (the namespace tier binds the
// Runtime API's Unix socket into the environment), the host names the socket in
// _KINDLING_RUNTIME_API_SOCKET (src/worker/guest-environment.ts); the client then talks to the Runtime API
// over it, without the TCP hop and the sandbox's forwarder that AWS_LAMBDA_RUNTIME_API goes through.
// The variable is Kindling's, not Lambda's: it is taken out of process.env before any function code loads.

export const RUNTIME_API_SOCKET_VARIABLE = '_KINDLING_RUNTIME_API_SOCKET';

/** The socket's path, if the host named one; removes the variable from the environment either way. */
export function takeRuntimeApiSocket(): string | undefined {
  const path = process.env[RUNTIME_API_SOCKET_VARIABLE];
  delete process.env[RUNTIME_API_SOCKET_VARIABLE];
  return path === undefined || path === '' ? undefined : path;
}
