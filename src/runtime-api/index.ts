// The Runtime API component: one listener per execution environment (server.ts) and the per-environment
// session that maps it to its current invocation (session.ts).

export { validRuntimeOrFunctionErrorType } from './error-type.js';
export type { RuntimeInvocation, ShutdownReason } from './invocation.js';
export {
  createRuntimeApi,
  MAX_RESPONSE_BYTES,
  type RuntimeApi,
  type RuntimeApiListener,
  type RuntimeApiOptions,
  type PrewarmedRuntimeApiListener,
} from './server.js';
export { ASSIGNMENT_PATH, RuntimeAssignment } from './assignment.js';
export { type FunctionMetadata, RuntimeSession, type RuntimeSessionEvents } from './session.js';
