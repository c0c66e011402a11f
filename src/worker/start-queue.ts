// How many environments start at once. A cold start is mostly CPU (the sandbox, the interpreter, the
// handler's module graph): a burst of 100 started together shares the cores 100 ways, so every start
// finishes late (each waits for all of them). Started a few at a time, the same work finishes in order:
// the first environments are ready after one start's time and the last no later than before. Waiting for
// a place is not init: an environment's Init Duration and init timeout begin when it gets its place.

import { availableParallelism } from 'node:os';

/** Two per core: one starting while another waits on I/O (its files, the sandbox's namespaces). */
export function defaultConcurrentStarts(): number {
  return Math.max(2, availableParallelism() * 2);
}

/** Releases a place; calling it again does nothing. */
export type StartRelease = () => void;

export class StartQueue {
  private active = 0;
  private readonly waiting: ((release: StartRelease) => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`invalid concurrent start limit: ${limit}`);
  }

  /** Environments starting now (holding a place). */
  get starting(): number {
    return this.active;
  }

  /** Environments waiting for a place. */
  get waitingForPlace(): number {
    return this.waiting.length;
  }

  /** Environments starting now plus those waiting for a place. */
  get pending(): number {
    return this.active + this.waiting.length;
  }

  /** Resolves with a place to start in (first come, first served); release it when init ends. */
  acquire(): Promise<StartRelease> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.release());
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): StartRelease {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The place passes straight to the next in line (active stays the same).
      if (next !== undefined) next(this.release());
      else this.active--;
    };
  }
}
