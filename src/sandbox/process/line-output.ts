// Hands a sandbox's stdout and stderr to one consumer without splicing lines: each stream is buffered
// up to its last newline, so a chunk from one stream never lands in the middle of a line of the other.

/** Longest partial line held back before it is passed on anyway. */
const MAX_PENDING_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

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

  /** Passes on whatever partial line is held (at exit, or when it grew too long). */
  flush(): void {
    const rest = this.rest;
    this.rest = null;
    if (rest !== null && rest.length > 0) this.sink(rest);
  }
}
