// The execution environment's lifecycle as one explicit state machine (STYLE §1, after OpenWhisk's
// ContainerProxy): every state, every event, and where each event leads from each state, in one table.
// Timeouts are events like any other. Anything not in the table is a bug and throws.
//
//   initializing ──ready──▶ busy ──complete──▶ idle ──freeze──▶ frozen
//        │                   ▲  │                │                │
//        │                   └──┼──── invoke ────┴────────────────┘
//        │                      │
//        └─ init-failed / init-timeout / exit / timeout / evict / keep-alive-expired / shutdown ─▶ dead
//   drain: idle and frozen end at once; initializing and busy become draining, which ends after its
//   one in-flight invocation completes.
//   initialized: an environment started with no invocation waiting (provisioned concurrency) goes
//   from initializing straight to idle.

export type EnvironmentState = 'initializing' | 'idle' | 'busy' | 'frozen' | 'draining' | 'dead';

export type EnvironmentEvent =
  /** The runtime asked for its first invocation (init done); the invocation it was started for begins. */
  | 'ready'
  /** Init completed with no invocation waiting (provisioned concurrency): the environment waits warm. */
  | 'initialized'
  /** The runtime or an extension reported an init error, or the runtime could not be launched. */
  | 'init-failed'
  /** Init took longer than Lambda's 10 s. */
  | 'init-timeout'
  /** An invocation is placed on this environment. */
  | 'invoke'
  /** The runtime answered the current invocation (response or error). */
  | 'complete'
  /** The idle grace period passed: stop every process until the next invoke. */
  | 'freeze'
  /** The invocation ran past the function's timeout. */
  | 'timeout'
  /** The environment's processes ended on their own (crash, exit, out of memory). */
  | 'exit'
  /** The function's code or configuration changed, or it was deleted. */
  | 'drain'
  /** Idle longer than the keep-alive period. */
  | 'keep-alive-expired'
  /** Its memory is needed for another environment. */
  | 'evict'
  /** The worker is shutting down. */
  | 'shutdown';

type Table = {
  readonly [S in EnvironmentState]: Partial<Readonly<Record<EnvironmentEvent, EnvironmentState>>>;
};

const ENDS = { exit: 'dead', shutdown: 'dead' } as const;

const TRANSITIONS: Table = {
  initializing: {
    ready: 'busy',
    initialized: 'idle',
    'init-failed': 'dead',
    'init-timeout': 'dead',
    drain: 'draining',
    ...ENDS,
  },
  busy: { complete: 'idle', timeout: 'dead', drain: 'draining', ...ENDS },
  idle: {
    invoke: 'busy',
    freeze: 'frozen',
    'keep-alive-expired': 'dead',
    evict: 'dead',
    drain: 'dead',
    ...ENDS,
  },
  frozen: { invoke: 'busy', 'keep-alive-expired': 'dead', evict: 'dead', drain: 'dead', ...ENDS },
  // A draining environment still serves the one invocation it holds (its cold one, if it was initializing).
  draining: {
    ready: 'draining',
    // Drained before its init completed, with no invocation to serve: nothing left to do.
    initialized: 'dead',
    complete: 'dead',
    'init-failed': 'dead',
    'init-timeout': 'dead',
    timeout: 'dead',
    drain: 'draining',
    ...ENDS,
  },
  // The exit of an environment that was ended on purpose arrives after it is already dead.
  dead: { exit: 'dead', shutdown: 'dead', drain: 'dead' },
};

export class IllegalTransitionError extends Error {
  constructor(
    readonly state: EnvironmentState,
    readonly event: EnvironmentEvent,
  ) {
    super(`execution environment: event '${event}' is not allowed in state '${state}'`);
    this.name = 'IllegalTransitionError';
  }
}

/** The one transition function: where `event` leads from `state`. Throws on an illegal transition. */
export function transition(state: EnvironmentState, event: EnvironmentEvent): EnvironmentState {
  const next = TRANSITIONS[state][event];
  if (next === undefined) throw new IllegalTransitionError(state, event);
  return next;
}

/** States in which an environment holds an invocation. */
export function isBusy(state: EnvironmentState): boolean {
  return state === 'busy' || state === 'draining';
}

/** States in which an environment can take an invocation right away. */
export function isAvailable(state: EnvironmentState): boolean {
  return state === 'idle' || state === 'frozen';
}
