// An execution environment's log stream: its output, line by line, plus the platform's START / END /
// REPORT lines, appended to FunctionLogs in the environment's own stream (one stream per environment,
// as Lambda). Appends are batched once per event-loop turn, and END / REPORT are written after output
// that arrived in the same turn, so a function's last lines land before its END even though the pipe and
// the Runtime API reach the host separately. Output is flushed per invocation, as Lambda's: a last line
// without its newline belongs to the invocation that wrote it and is written before its END.

import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { FunctionLogs, LogEventInput } from '../telemetry/logs.js';
import { LogTail } from './log-tail.js';

/** Stream name: YYYY/MM/DD/[VERSION]32-hex (wire contract 2.6). */
export function logStreamName(version: string, now: Date): string {
  const y = now.getUTCFullYear();
  const m = String(now.getUTCMonth() + 1).padStart(2, '0');
  const d = String(now.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}/[${version}]${randomBytes(16).toString('hex')}`;
}

/**
 * Longest unfinished line held while waiting for its newline, in UTF-16 units: CloudWatch's largest event
 * (256 KB) never needs more, since each unit is at least one UTF-8 byte; the store cuts the line there.
 */
const MAX_PARTIAL_LINE = 256 * 1024;

/** How long a lone START line may wait for the rest of its invocation's lines before it is written. */
const LAZY_FLUSH_MS = 20;

export class EnvironmentLogStream {
  private pending: LogEventInput[] = [];
  /** END and REPORT of the invocation that just completed, written once its late output is in. */
  private trailer: string[] | null = null;
  private tail: LogTail | null = null;
  private onTail: ((tail: string) => void) | null = null;
  private flushScheduled = false;
  private lazyFlush: NodeJS.Timeout | null = null;
  private partial = '';
  /** The pipe splits output anywhere, even inside a UTF-8 character: decode across chunks. */
  private readonly decoder = new StringDecoder('utf8');
  private readonly flushNow = () => this.flush();
  /** Passes on output held on its way here (the sandbox's own buffering), see `holdsOutput`. */
  private drainHeld: (() => void) | null = null;

  constructor(
    private readonly logs: FunctionLogs,
    readonly group: string,
    readonly stream: string,
    private readonly onAppendError: (err: unknown) => void,
  ) {}

  /** Collect the lines of the invocation about to begin (including init output on a cold start). */
  collectTail(): void {
    if (this.tail === null) this.tail = new LogTail();
  }

  /** Output of the environment, as the sandbox delivers it. */
  output(chunk: Buffer): void {
    const text = this.partial + this.decoder.write(chunk);
    const timestamp = Date.now();
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      this.push(text.slice(start, nl), timestamp);
      start = nl + 1;
    }
    // SECURITY: output is guest-controlled. A line that never ends must not grow without bound in the
    // server's memory (nor be rescanned whole on every chunk): past what the store keeps, it is dropped.
    this.partial = start < text.length ? text.slice(start, start + MAX_PARTIAL_LINE) : '';
  }

  /**
   * Output may be held before it reaches `output` (a sandbox that buffers up to a newline): `drain`
   * passes it on, synchronously, and runs before each END so that the invocation's last output is its.
   */
  holdsOutput(drain: () => void): void {
    this.drainHeld = drain;
  }

  /** A platform line (START, the timeout notice, ...). */
  line(message: string): void {
    this.push(message, Date.now());
  }

  /**
   * Begins an invocation's lines with START (after the previous invocation's END / REPORT). START alone
   * does not trigger a write: a short invocation's START, END and REPORT then reach the store together,
   * in one append; a long, silent one's START is written after LAZY_FLUSH_MS.
   */
  begin(start: string, withTail: boolean): void {
    this.commitTrailer();
    if (withTail) this.collectTail();
    this.pending.push({ timestamp: Date.now(), message: start });
    this.tail?.push(start);
    if (this.flushScheduled) return;
    if (this.lazyFlush === null) this.lazyFlush = setTimeout(this.flushNow, LAZY_FLUSH_MS).unref();
    else this.lazyFlush.refresh();
  }

  /**
   * Ends an invocation with END and REPORT, written at the next flush; `onTail` then receives the
   * invocation's log tail.
   */
  end(end: string, report: string, onTail?: (tail: string) => void): void {
    this.commitTrailer();
    this.trailer = [end, report];
    this.onTail = onTail ?? null;
    this.schedule();
  }

  /** Writes out everything held, including a partial last line (the environment has ended). */
  close(): void {
    this.partial += this.decoder.end();
    if (this.partial !== '') {
      this.push(this.partial, Date.now());
      this.partial = '';
    }
    this.flush();
  }

  private push(message: string, timestamp: number): void {
    this.pending.push({ timestamp, message });
    this.tail?.push(message);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushNow);
  }

  private commitTrailer(): void {
    if (this.trailer === null) return;
    this.drainHeld?.();
    const trailer = this.trailer;
    this.trailer = null;
    const timestamp = Date.now();
    // The guest wrote this before it answered (the pipe is read before the answer's END is committed):
    // an unfinished line is the ending invocation's, not the start of the next one's first line.
    if (this.partial !== '') {
      this.pending.push({ timestamp, message: this.partial });
      this.tail?.push(this.partial);
      this.partial = '';
    }
    for (const message of trailer) {
      this.pending.push({ timestamp, message });
      this.tail?.push(message);
    }
    const tail = this.tail;
    const onTail = this.onTail;
    this.tail = null;
    this.onTail = null;
    if (onTail !== null) onTail(tail?.toBase64() ?? '');
  }

  private flush(): void {
    this.flushScheduled = false;
    this.commitTrailer();
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    try {
      this.logs.append(this.group, this.stream, events);
    } catch (err) {
      this.onAppendError(err);
    }
  }
}
