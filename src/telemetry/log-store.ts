// Function logs in the embedded SQLite database. append() sits beside every invoke, so it only queues the
// lines in memory; one transaction tens of milliseconds later writes everything queued, with prepared
// statements, so appends of many invocations share one transaction (a transaction per invocation cost
// more than the rest of a warm invoke's platform work). Every read writes the queue first, so a caller
// always sees its own appends.
// Retention: each group keeps its newest `maxEventsPerGroup` events, so a chatty function cannot fill the
// disk (trimmed in steps of a tenth, so the trim is rare and its cost is spread over many appends).

import type { Statement } from 'better-sqlite3';
import type { SchemaPart, SqliteDatabase } from '../store/index.js';
import { type LogMatcher, compileFilterPattern } from './filter-pattern.js';
import type {
  FunctionLogs,
  LogEventInput,
  LogGroupInfo,
  LogQuery,
  LogStreamInfo,
  StoredLogEvent,
} from './logs.js';

/** CloudWatch's largest event is 256 KB; longer lines are cut, as the Lambda log agent does. */
export const MAX_EVENT_BYTES = 256 * 1024;
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
}

export interface SqliteFunctionLogs extends FunctionLogs {
  /** Writes queued appends now (before shutdown; reads do it themselves). */
  flush(): void;
}

interface PendingAppend {
  readonly group: string;
  readonly stream: string;
  readonly events: readonly LogEventInput[];
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

interface StreamDelta {
  min: number;
  max: number;
  bytes: number;
}

const MATCH_FUNCTION = 'kindling_log_match';
/**
 * How long appends queue before one transaction writes them (reads and shutdown write at once, so no
 * reader waits for it). Each transaction rewrites the pages it touches (the events' and their indexes'
 * last pages, every stream it appends to, the group) whatever it holds: 50 ms of a busy function's lines
 * share them, a third less work per invoke than 10 ms at a thousand invokes a second.
 */
export const APPEND_FLUSH_MS = 50;
const STREAM_CACHE_LIMIT = 10_000;

export function createSqliteFunctionLogs(
  db: SqliteDatabase,
  options: SqliteFunctionLogsOptions = {},
): SqliteFunctionLogs {
  const maxEvents = Math.max(1, options.maxEventsPerGroup ?? DEFAULT_MAX_EVENTS_PER_GROUP);
  const trimAbove = maxEvents + Math.max(1, Math.floor(maxEvents / 10));
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
    groupId: db.prepare<[string], { id: number }>('SELECT id FROM log_groups WHERE name = ?'),
    insertGroup: db.prepare<[string, number]>(
      'INSERT INTO log_groups (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    streamId: db.prepare<[number, string], { id: number }>(
      'SELECT id FROM log_streams WHERE group_id = ? AND name = ?',
    ),
    insertStream: db.prepare<[number, string, number]>(
      'INSERT INTO log_streams (group_id, name, creation_time) VALUES (?, ?, ?) ON CONFLICT (group_id, name) DO NOTHING',
    ),
    insertEvent: db.prepare<[number, number, number, number, number, string]>(
      'INSERT INTO log_events (group_id, stream_id, timestamp, ingestion_time, bytes, message) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    updateStream: db.prepare<{ id: number; min: number; max: number; now: number; bytes: number }>(
      `UPDATE log_streams SET
         first_event_timestamp = min(coalesce(first_event_timestamp, :min), :min),
         last_event_timestamp = max(coalesce(last_event_timestamp, :max), :max),
         last_ingestion_time = :now,
         stored_bytes = stored_bytes + :bytes
       WHERE id = :id`,
    ),
    updateGroup: db.prepare<[number, number, number]>(
      'UPDATE log_groups SET stored_bytes = stored_bytes + ?, event_count = event_count + ? WHERE id = ?',
    ),
    groupCount: db.prepare<[number], { event_count: number }>(
      'SELECT event_count FROM log_groups WHERE id = ?',
    ),
    trimBoundary: db.prepare<[number, number], { id: number }>(
      'SELECT id FROM log_events WHERE group_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?',
    ),
    trimmedPerStream: db.prepare<[number, number], { stream_id: number; bytes: number }>(
      'SELECT stream_id, sum(bytes) AS bytes FROM log_events WHERE group_id = ? AND id <= ? GROUP BY stream_id',
    ),
    deleteUpTo: db.prepare<[number, number]>('DELETE FROM log_events WHERE group_id = ? AND id <= ?'),
    refreshStream: db.prepare<[number, number]>(
      `UPDATE log_streams SET
         stored_bytes = max(0, stored_bytes - ?),
         first_event_timestamp = (SELECT min(timestamp) FROM log_events WHERE stream_id = log_streams.id)
       WHERE id = ?`,
    ),
    deleteEmptyStreams: db.prepare<[number]>(
      'DELETE FROM log_streams WHERE group_id = ? AND NOT EXISTS (SELECT 1 FROM log_events WHERE stream_id = log_streams.id)',
    ),
    resetGroupTotals: db.prepare<[number]>(
      `UPDATE log_groups SET
         event_count = (SELECT count(*) FROM log_events WHERE group_id = log_groups.id),
         stored_bytes = (SELECT coalesce(sum(bytes), 0) FROM log_events WHERE group_id = log_groups.id)
       WHERE id = ?`,
    ),
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

  const groupIds = new Map<string, number>();
  const streamIds = new Map<string, number>();
  let pending: PendingAppend[] = [];
  let scheduled = false;

  function ensureGroup(name: string, now: number): number {
    const cached = groupIds.get(name);
    if (cached !== undefined) return cached;
    stmt.insertGroup.run(name, now);
    const id = stmt.groupId.get(name)!.id;
    groupIds.set(name, id);
    return id;
  }

  function ensureStream(groupId: number, name: string, now: number): number {
    const key = `${groupId}\u0000${name}`;
    const cached = streamIds.get(key);
    if (cached !== undefined) return cached;
    stmt.insertStream.run(groupId, name, now);
    const id = stmt.streamId.get(groupId, name)!.id;
    if (streamIds.size >= STREAM_CACHE_LIMIT) streamIds.clear();
    streamIds.set(key, id);
    return id;
  }

  function trimGroup(groupId: number): void {
    const boundary = stmt.trimBoundary.get(groupId, maxEvents);
    if (boundary === undefined) return;
    const trimmed = stmt.trimmedPerStream.all(groupId, boundary.id);
    stmt.deleteUpTo.run(groupId, boundary.id);
    for (const { stream_id, bytes } of trimmed) stmt.refreshStream.run(bytes, stream_id);
    stmt.deleteEmptyStreams.run(groupId);
    stmt.resetGroupTotals.run(groupId);
    streamIds.clear();
  }

  const writeBatch = db.transaction((batch: readonly PendingAppend[]) => {
    const now = Date.now();
    const streams = new Map<number, StreamDelta>();
    const groups = new Map<number, { count: number; bytes: number }>();
    for (const { group, stream, events } of batch) {
      const groupId = ensureGroup(group, now);
      const streamId = ensureStream(groupId, stream, now);
      const s = streams.get(streamId) ?? {
        min: Number.POSITIVE_INFINITY,
        max: Number.NEGATIVE_INFINITY,
        bytes: 0,
      };
      const g = groups.get(groupId) ?? { count: 0, bytes: 0 };
      for (const event of events) {
        const message = truncate(event.message);
        const bytes = Buffer.byteLength(message, 'utf8');
        const timestamp = Math.trunc(event.timestamp);
        stmt.insertEvent.run(groupId, streamId, timestamp, now, bytes, message);
        if (timestamp < s.min) s.min = timestamp;
        if (timestamp > s.max) s.max = timestamp;
        s.bytes += bytes;
        g.count++;
        g.bytes += bytes;
      }
      streams.set(streamId, s);
      groups.set(groupId, g);
    }
    for (const [id, s] of streams) stmt.updateStream.run({ id, min: s.min, max: s.max, now, bytes: s.bytes });
    for (const [id, g] of groups) {
      stmt.updateGroup.run(g.bytes, g.count, id);
      if ((stmt.groupCount.get(id)?.event_count ?? 0) > trimAbove) trimGroup(id);
    }
  });

  function flush(): void {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    if (!db.open) return;
    try {
      writeBatch(batch);
    } catch (err) {
      // A failed write must not take the invoke path down with it; the lines are dropped and reported.
      groupIds.clear();
      streamIds.clear();
      onError(err);
    }
  }

  function groupIdOf(name: string): number | undefined {
    return groupIds.get(name) ?? stmt.groupId.get(name)?.id;
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
        setTimeout(flush, APPEND_FLUSH_MS);
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
      })();
      groupIds.delete(logGroupName);
      streamIds.clear();
    },

    flush,
  };
}

function truncate(message: string): string {
  // Cheap check first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (message.length * 3 <= MAX_EVENT_BYTES || Buffer.byteLength(message, 'utf8') <= MAX_EVENT_BYTES)
    return message;
  const cut = Buffer.from(message, 'utf8').subarray(0, MAX_EVENT_BYTES).toString('utf8');
  // A cut through a multi-byte character decodes to U+FFFD; drop it.
  return cut.endsWith('\uFFFD') ? cut.slice(0, -1) : cut;
}
