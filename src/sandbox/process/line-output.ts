// Hands a sandbox's stdout and stderr to one consumer without splicing lines: each stream is buffered
// up to its last newline, so a chunk from one stream never lands in the middle of a line of the other.

/** Longest partial line held back before it is passed on anyway. */
const MAX_PENDING_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const LINE_END = Buffer.from('\n');

export class LineAlignedOutput {
  private rest: Buffer | null = null;

  constructor(private readonly sink: (chunk: Buffer) => void) {}

  write(chunk: Buffer): void {
    const nl = chunk.lastIndexOf(NEWLINE);
    if (nl === -1) {
      this.rest = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
      if (this.rest.length >= MAX_PENDING_BYTES) this.flush();
      return;
    }
    const complete = nl === chunk.length - 1 ? chunk : chunk.subarray(0, nl + 1);
    const rest = this.rest;
    this.rest = nl === chunk.length - 1 ? null : chunk.subarray(nl + 1);
    this.sink(rest === null ? complete : Buffer.concat([rest, complete]));
  }

  /** Whether a partial line is held. */
  get holding(): boolean {
    return this.rest !== null && this.rest.length > 0;
  }

  /**
   * Passes on whatever partial line is held (at the end of an invocation, at exit, or when it grew too
   * long); `terminate` ends it with a newline, so the other stream's output starts a line of its own.
   */
  flush(terminate = false): void {
    const rest = this.rest;
    this.rest = null;
    if (rest === null || rest.length === 0) return;
    this.sink(terminate ? Buffer.concat([rest, LINE_END]) : rest);
  }
}

/**
 * Passes on what both streams of one environment hold. When both hold an unfinished line, they are two
 * lines: stdout's is ended so that stderr's does not run on into it.
 */
export function flushBoth(out: LineAlignedOutput, err: LineAlignedOutput): void {
  out.flush(err.holding);
  err.flush();
}
