// The execution environments of one function version at one revision (STYLE §1: the pool owns many
// environments, each its own state machine, and never reaches into their lifecycle). It keeps the idle
// ones in the order they became idle, so placement can take the most recently used.

import type { EnvironmentState } from './environment-state.js';
import type { ExecutionEnvironment } from './execution-environment.js';
import { chooseWarmEnvironment } from './placement.js';

export class EnvironmentPool {
  /** Every live environment of the pool. */
  readonly environments = new Set<ExecutionEnvironment>();
  /** Idle and frozen environments, oldest-idle first. */
  private readonly idle: ExecutionEnvironment[] = [];

  constructor(
    readonly functionArn: string,
    readonly version: string,
    readonly revisionId: string,
    private readonly onEnded: (env: ExecutionEnvironment) => void,
  ) {}

  /** Takes the environment a warm invoke should run on, if any. */
  takeWarm(): ExecutionEnvironment | undefined {
    const i = chooseWarmEnvironment(this.idle);
    if (i === -1) return undefined;
    return i === this.idle.length - 1 ? this.idle.pop() : this.idle.splice(i, 1)[0];
  }

  add(env: ExecutionEnvironment): void {
    this.environments.add(env);
  }

  /** Every environment's state changes come here (see ExecutionEnvironment's constructor). */
  readonly onTransition = (
    env: ExecutionEnvironment,
    _from: EnvironmentState,
    to: EnvironmentState,
  ): void => {
    if (to === 'idle') {
      this.idle.push(env);
    } else if (to === 'dead') {
      const i = this.idle.indexOf(env);
      if (i !== -1) this.idle.splice(i, 1);
      this.environments.delete(env);
      this.onEnded(env);
    }
  };
}
