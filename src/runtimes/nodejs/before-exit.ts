// The one 'beforeExit' listener of the runtime. Node emits 'beforeExit' when the event loop has nothing
// left to do; Lambda's Node.js runtime uses that moment to finish an invocation whose handler asked to wait
// for an empty event loop (callbackWaitsForEmptyEventLoop, the default) or never answered at all.

type Listener = () => void;

const noop: Listener = () => {};
let current: Listener = noop;

export const BeforeExit = {
  /** Installs the process listener once, at start. */
  install(): void {
    process.on('beforeExit', () => current());
  },
  set(listener: Listener): void {
    current = listener;
  },
  reset(): void {
    current = noop;
  },
};
