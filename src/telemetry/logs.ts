// Function logs, CloudWatch-shaped: log groups (/aws/lambda/NAME) hold log streams
// (2026/11/23/[$LATEST]hex), which hold events (timestamp + message). The worker appends; the
// CloudWatch Logs API subset (src/api/operations/logs.ts) and `kindling logs` read.

export interface LogEventInput {
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  /** One log line without its trailing newline (START/END/REPORT lines keep their tabs). */
  readonly message: string;
}

export interface StoredLogEvent extends LogEventInput {
  readonly logStreamName: string;
  readonly ingestionTime: number;
  /** Monotonic id, unique within the store (used for pagination tokens). */
  readonly eventId: string;
}

export interface LogStreamInfo {
  readonly logStreamName: string;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly storedBytes: number;
}

export interface LogGroupInfo {
  readonly logGroupName: string;
  readonly creationTime: number;
  readonly storedBytes: number;
}

export interface LogQuery {
  readonly logGroupName: string;
  readonly logStreamNames?: readonly string[];
  readonly startTime?: number;
  readonly endTime?: number;
  /**
   * CloudWatch term pattern: words or "quoted phrases" that must all appear, ?optional terms (one of them
   * must appear), -excluded terms (src/telemetry/filter-pattern.ts). JSON and space-delimited patterns are
   * not supported.
   */
  readonly filterPattern?: string;
  readonly limit?: number;
  /** Continue after this event id, in the query's order (with newestFirst: events older than it). */
  readonly afterEventId?: string;
  /** Newest first (GetLogEvents startFromHead=false). */
  readonly newestFirst?: boolean;
}

/** Where function logs live. Appends must be cheap: they sit beside every invoke. */
export interface FunctionLogs {
  append(logGroupName: string, logStreamName: string, events: readonly LogEventInput[]): void;
  /** Creates an empty group (CreateLogGroup); false when it already exists. Appends create groups too. */
  createGroup(logGroupName: string): boolean;
  listGroups(prefix?: string): LogGroupInfo[];
  listStreams(logGroupName: string, prefix?: string): LogStreamInfo[];
  query(q: LogQuery): StoredLogEvent[];
  deleteGroup(logGroupName: string): void;
}
