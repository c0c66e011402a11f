// Function logs in the embedded SQLite database. append() sits beside every invoke, so it only queues the
// lines in memory; tens of milliseconds later everything queued goes to the log writer in one batch (one
// transaction, src/telemetry/log-writer.ts), so appends of many invocations share it. The writer runs on a
// thread of its own (src/telemetry/log-writer-thread.ts): the transaction, and the WAL checkpoint that
// every thousand pages of commits brings (it fsyncs the database), would otherwise stop the event loop for
// ~0.5 ms every batch and 3-8 ms every few thousand invocations, delaying whichever invocations were in
// flight. Every read hands over the queue and waits until the writer has committed it, so a caller
// always sees its own appends.

import { Worker } from 'node:worker_threads';
import type { Statement } from 'better-sqlite3';
import type { SchemaPart, SqliteDatabase } from '../store/index.js';
import { type LogMatcher, compileFilterPattern } from './filter-pattern.js';
import type { WriterThreadData, WriterThreadMessage, WriterThreadReport } from './log-writer-thread.js';
import { type LogWriter, type PendingAppend, createLogWriter, prepareNameStatements } from './log-writer.js';
import type { FunctionLogs, LogGroupInfo, LogQuery, LogStreamInfo, StoredLogEvent } from './logs.js';

export { MAX_EVENT_BYTES } from './log-writer.js';
export const DEFAULT_MAX_EVENTS_PER_GROUP = 100_000;
/** Largest page a query returns (GetLogEvents' and FilterLogEvents' own maximum). */
export const MAX_QUERY_LIMIT = 10_000;

export const logsSchema: SchemaPart = {
  name: 'logs',
  migrations: [
    `CREATE TABLE log_groups (
       id INTEGER PRIMARY KEY,
       name TEXT NOT NULL UNIQUE,
       creation_time INTEGER NOT NULL,
       stored_bytes INTEGER NOT NULL DEFAULT 0,
       event_count INTEGER NOT NULL DEFAULT 0
     )`,
    `CREATE TABLE log_streams (
       id INTEGER PRIMARY KEY,
       group_id INTEGER NOT NULL,
       name TEXT NOT NULL,
       creation_time INTEGER NOT NULL,
       first_event_timestamp INTEGER,
       last_event_timestamp INTEGER,
       last_ingestion_time INTEGER,
       stored_bytes INTEGER NOT NULL DEFAULT 0,
       UNIQUE (group_id, name)
     )`,
    // AUTOINCREMENT: event ids are never reused, so pagination tokens and clients' de-duplication by
    // eventId stay valid across retention trims and group deletions.
    `CREATE TABLE log_events (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       group_id INTEGER NOT NULL,
       stream_id INTEGER NOT NULL,
       timestamp INTEGER NOT NULL,
       ingestion_time INTEGER NOT NULL,
       bytes INTEGER NOT NULL,
       message TEXT NOT NULL
     )`,
    'CREATE INDEX log_events_by_group ON log_events (group_id, id)',
    'CREATE INDEX log_events_by_stream ON log_events (stream_id, id)',
  ],
};

export interface SqliteFunctionLogsOptions {
  /** Newest events kept per log group. */
  readonly maxEventsPerGroup?: number;
  /** Where a failed background write is reported (the appended lines are then lost). */
  readonly onError?: (err: unknown) => void;
  /**
   * Write on a thread of its own (default: yes when the database is a file; an in-memory database
   * cannot be shared with a thread, and is written on the caller's).
   */
  readonly writerThread?: boolean;
}

export interface SqliteFunctionLogs extends FunctionLogs {
  /** Writes queued appends now and waits until they are committed (reads do it themselves). */
  flush(): void;
  /** Flushes, then stops the writer thread (before the database is closed). */
  close(): void;
}

interface EventRow {
  id: number;
  timestamp: number;
  ingestion_time: number;
  message: string;
  stream: string;
}

interface StreamRow {
  name: string;
  creation_time: number;
  first_event_timestamp: number | null;
  last_event_timestamp: number | null;
  last_ingestion_time: number | null;
  stored_bytes: number;
}

const MATCH_FUNCTION = 'kindling_log_match';
/**
 * How long appends queue before one transaction writes them (reads and shutdown write at once, so no
 * reader waits for it). Each transaction rewrites the pages it touches (the events' and their indexes'
 * last pages, every stream it appends to, the group) whatever it holds: 50 ms of a busy function's lines
 * share them, a third less work per invoke than 10 ms at a thousand invokes a second.
 */
export const APPEND_FLUSH_MS = 50;
/** How long a read waits for the writer thread before writing on its own thread instead. */
const WRITER_WAIT_MS = 10_000;

export function createSqliteFunctionLogs(
  db: SqliteDatabase,
  options: SqliteFunctionLogsOptions = {},
): SqliteFunctionLogs {
  const maxEvents = Math.max(1, options.maxEventsPerGroup ?? DEFAULT_MAX_EVENTS_PER_GROUP);
  const onError =
    options.onError ?? ((err: unknown) => process.stderr.write(`function logs: ${String(err)}\n`));

  const matchers = new Map<string, LogMatcher>();
  db.function(MATCH_FUNCTION, { deterministic: true }, (pattern: unknown, message: unknown) => {
    const key = String(pattern);
    let matcher = matchers.get(key);
    if (matcher === undefined) {
      if (matchers.size > 100) matchers.clear();
      matcher = compileFilterPattern(key);
      matchers.set(key, matcher);
    }
    return matcher(String(message)) ? 1 : 0;
  });

  const stmt = {
    ...prepareNameStatements(db),
    listGroups: db.prepare<[string, string], { name: string; creation_time: number; stored_bytes: number }>(
      'SELECT name, creation_time, stored_bytes FROM log_groups WHERE substr(name, 1, length(?)) = ? ORDER BY name',
    ),
    listStreams: db.prepare<[number, string, string], StreamRow>(
      `SELECT name, creation_time, first_event_timestamp, last_event_timestamp, last_ingestion_time, stored_bytes
       FROM log_streams WHERE group_id = ? AND substr(name, 1, length(?)) = ? ORDER BY name`,
    ),
    deleteGroupEvents: db.prepare<[number]>('DELETE FROM log_events WHERE group_id = ?'),
    deleteGroupStreams: db.prepare<[number]>('DELETE FROM log_streams WHERE group_id = ?'),
    deleteGroup: db.prepare<[number]>('DELETE FROM log_groups WHERE id = ?'),
  };

  const threaded = (options.writerThread ?? true) && !db.memory;
  const sink = threaded
    ? writerThread(db, maxEvents, onError)
    : inlineWriter(createLogWriter(db, maxEvents), onError);
  let pending: PendingAppend[] = [];
  let scheduled = false;

  function handOver(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    if (!db.open) return;
    sink.send(batch);
  }

  function flush(): void {
    handOver();
    if (db.open) sink.settle();
  }

  function groupIdOf(name: string): number | undefined {
    return stmt.groupId.get(name)?.id;
  }

  const queryStatements = new Map<string, Statement<Array<string | number>, EventRow>>();

  function query(q: LogQuery): StoredLogEvent[] {
    flush();
    const groupId = groupIdOf(q.logGroupName);
    if (groupId === undefined) return [];
    const where = ['e.group_id = ?'];
    const args: Array<string | number> = [groupId];
    if (q.logStreamNames !== undefined) {
      const ids = q.logStreamNames
        .map((name) => stmt.streamId.get(groupId, name)?.id)
        .filter((id): id is number => id !== undefined);
      if (ids.length === 0) return [];
      where.push(`e.stream_id IN (${ids.map(() => '?').join(', ')})`);
      args.push(...ids);
    }
    if (q.startTime !== undefined) {
      where.push('e.timestamp >= ?');
      args.push(q.startTime);
    }
    if (q.endTime !== undefined) {
      where.push('e.timestamp <= ?');
      args.push(q.endTime);
    }
    if (q.afterEventId !== undefined) {
      where.push(q.newestFirst === true ? 'e.id < ?' : 'e.id > ?');
      args.push(Number(q.afterEventId));
    }
    if (q.filterPattern !== undefined && q.filterPattern.trim() !== '') {
      compileFilterPattern(q.filterPattern); // throws UnsupportedFilterPatternError before SQLite does
      where.push(`${MATCH_FUNCTION}(?, e.message)`);
      args.push(q.filterPattern);
    }
    const limit = Math.min(Math.max(1, q.limit ?? MAX_QUERY_LIMIT), MAX_QUERY_LIMIT);
    args.push(limit);
    const sql =
      'SELECT e.id, e.timestamp, e.ingestion_time, e.message, s.name AS stream FROM log_events e ' +
      `JOIN log_streams s ON s.id = e.stream_id WHERE ${where.join(' AND ')} ` +
      `ORDER BY e.id ${q.newestFirst === true ? 'DESC' : 'ASC'} LIMIT ?`;
    let statement = queryStatements.get(sql);
    if (statement === undefined) {
      if (queryStatements.size > 200) queryStatements.clear();
      statement = db.prepare<Array<string | number>, EventRow>(sql);
      queryStatements.set(sql, statement);
    }
    return statement.all(...args).map((row) => ({
      eventId: String(row.id),
      logStreamName: row.stream,
      timestamp: row.timestamp,
      ingestionTime: row.ingestion_time,
      message: row.message,
    }));
  }

  return {
    append(logGroupName, logStreamName, events) {
      if (events.length === 0) return;
      pending.push({ group: logGroupName, stream: logStreamName, events });
      if (!scheduled) {
        scheduled = true;
        setTimeout(handOver, APPEND_FLUSH_MS);
      }
    },

    createGroup(logGroupName) {
      flush();
      const created = stmt.insertGroup.run(logGroupName, Date.now()).changes > 0;
      return created;
    },

    listGroups(prefix = '') {
      flush();
      return stmt.listGroups.all(prefix, prefix).map(
        (row): LogGroupInfo => ({
          logGroupName: row.name,
          creationTime: row.creation_time,
          storedBytes: row.stored_bytes,
        }),
      );
    },

    listStreams(logGroupName, prefix = '') {
      flush();
      const groupId = groupIdOf(logGroupName);
      if (groupId === undefined) return [];
      return stmt.listStreams.all(groupId, prefix, prefix).map(
        (row): LogStreamInfo => ({
          logStreamName: row.name,
          creationTime: row.creation_time,
          ...(row.first_event_timestamp !== null && { firstEventTimestamp: row.first_event_timestamp }),
          ...(row.last_event_timestamp !== null && { lastEventTimestamp: row.last_event_timestamp }),
          ...(row.last_ingestion_time !== null && { lastIngestionTime: row.last_ingestion_time }),
          storedBytes: row.stored_bytes,
        }),
      );
    },

    query,

    deleteGroup(logGroupName) {
      flush();
      const groupId = groupIdOf(logGroupName);
      if (groupId === undefined) return;
      db.transaction(() => {
        stmt.deleteGroupEvents.run(groupId);
        stmt.deleteGroupStreams.run(groupId);
        stmt.deleteGroup.run(groupId);
      }).immediate();
      sink.forget();
    },

    flush,

    close() {
      flush();
      sink.close();
    },
  };
}

/** Where batches go: a writer thread, or the log writer on the caller's thread. */
interface BatchSink {
  send(batch: PendingAppend[]): void;
  /** Returns once every batch sent is committed (or failed and was reported). */
  settle(): void;
  /** The writer's cached group and stream ids are stale (a group was deleted). */
  forget(): void;
  close(): void;
}

function inlineWriter(writer: LogWriter, onError: (err: unknown) => void): BatchSink {
  return {
    send(batch) {
      try {
        writer.write(batch);
      } catch (err) {
        // A failed write must not take the invoke path down with it; the lines are dropped and reported.
        onError(err);
      }
    },
    settle() {},
    forget: () => writer.forget(),
    close() {},
  };
}

/**
 * The writer thread (src/telemetry/log-writer-thread.ts). Batches travel as JSON (one string is the
 * cheapest thing to hand to a thread); `done` says which have been committed. Should the thread fail, the
 * batches it has not committed, and every later one, are written on this thread instead.
 */
function writerThread(db: SqliteDatabase, maxEvents: number, onError: (err: unknown) => void): BatchSink {
  const done = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWriterThread({ file: db.name, maxEventsPerGroup: maxEvents, done });
  let seq = 0;
  let closing = false;
  /** Batches sent and not yet known to be committed, by sequence number (written here if the thread fails). */
  const unsettled = new Map<number, PendingAppend[]>();
  let fallback: BatchSink | null = null;

  // Sequence numbers wrap around as int32; `reached` compares them modulo 2^32.
  const reached = (n: number) => ((Atomics.load(done, 0) - n) | 0) >= 0;
  const prune = () => {
    for (const n of unsettled.keys()) if (reached(n)) unsettled.delete(n);
  };
  const post = (message: WriterThreadMessage) => worker.postMessage(message);

  function takeOver(reason: unknown): BatchSink {
    if (fallback !== null) return fallback;
    if (!closing) onError(reason);
    prune();
    void worker.terminate();
    if (!db.open) {
      // Closed meanwhile: nothing can be written any more.
      unsettled.clear();
      fallback = { send() {}, settle() {}, forget() {}, close() {} };
      return fallback;
    }
    fallback = inlineWriter(createLogWriter(db, maxEvents), onError);
    for (const batch of unsettled.values()) fallback.send(batch);
    unsettled.clear();
    return fallback;
  }

  worker.on('message', (report: WriterThreadReport) => onError(new Error(report.message)));
  worker.on('error', (err) => takeOver(err));
  worker.on('exit', (code) => {
    if (!closing) takeOver(new Error(`the function log writer thread stopped (exit code ${code})`));
  });
  // The thread never keeps the process alive (shutdown flushes, and waits, before it closes the database).
  // After the listeners: a 'message' listener refs the thread's port again.
  worker.unref();

  return {
    send(batch) {
      if (fallback !== null) return fallback.send(batch);
      seq = (seq + 1) | 0;
      prune();
      unsettled.set(seq, batch);
      post({ kind: 'write', seq, batch: JSON.stringify(batch) });
    },
    settle,
    forget() {
      if (fallback !== null) return fallback.forget();
      seq = (seq + 1) | 0;
      post({ kind: 'forget', seq });
    },
    close() {
      if (fallback !== null) return;
      closing = true;
      seq = (seq + 1) | 0;
      post({ kind: 'close', seq });
      settle();
    },
  };

  function settle(): void {
    if (fallback !== null) return;
    const deadline = performance.now() + WRITER_WAIT_MS;
    for (;;) {
      const seen = Atomics.load(done, 0);
      if (((seen - seq) | 0) >= 0) break;
      const left = deadline - performance.now();
      if (left <= 0) {
        takeOver(new Error(`the function log writer thread did not answer in ${WRITER_WAIT_MS} ms`));
        return;
      }
      Atomics.wait(done, 0, seen, left);
    }
    unsettled.clear();
  }
}

function startWriterThread(data: WriterThreadData): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./log-writer-thread.js', here), { workerData: data });
  // Running from source (TypeScript through tsx): a thread does not inherit tsx's loader, so its entry is
  // loaded through tsx's API.
  const entry = JSON.stringify(new URL('./log-writer-thread.ts', here).href);
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(`import(${tsx}).then((t) => t.tsImport(${entry}, ${JSON.stringify(here)}))`, {
    eval: true,
    workerData: data,
  });
}
