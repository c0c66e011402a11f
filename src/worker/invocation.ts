// What the invoke service asks the worker to run: one invocation of one function version. Plain data, so
// the worker boundary stays a message interface (DESIGN §7) that could cross a process or host.

import type { FunctionVersionSpec } from '../control/model.js';
import type { RuntimeInvocation } from '../runtime-api/index.js';

export interface Invocation extends RuntimeInvocation {
  /** The function version to run (already chosen among an alias's weighted candidates). */
  readonly spec: FunctionVersionSpec;
  /** Collect the log tail (X-Amz-Log-Type: Tail). */
  readonly tail: boolean;
}
