// One invocation's log tail: the last 4 KB of exactly its lines, base64-encoded, for
// X-Amz-Log-Result (wire contract 2.3, 2.7).

export const TAIL_BYTES = 4096;

export class LogTail {
  private readonly lines: string[] = [];
  private length = 0;

  push(line: string): void {
    this.lines.push(line);
    this.length += line.length + 1;
    // Keep a little more than needed (lengths are in UTF-16 units, the tail is in bytes).
    while (this.length - (this.lines[0]?.length ?? 0) - 1 > TAIL_BYTES * 2 && this.lines.length > 1) {
      this.length -= (this.lines.shift()?.length ?? 0) + 1;
    }
  }

  toBase64(): string {
    const text = Buffer.from(this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`, 'utf8');
    return (text.length > TAIL_BYTES ? text.subarray(text.length - TAIL_BYTES) : text).toString('base64');
  }
}
