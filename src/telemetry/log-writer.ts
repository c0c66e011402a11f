// Writes batches of function log lines into the log tables: one transaction per batch, with prepared
// statements, so the START / END / REPORT lines of many invocations share it. Used by the writer thread
// (src/telemetry/log-writer-thread.ts) on its own connection, or by the log store itself where no thread
// can share the database (an in-memory one).
// Retention: each group keeps its newest `maxEventsPerGroup` events, so a chatty function cannot fill the
// disk (trimmed in steps of a tenth, so the trim is rare and its cost is spread over many appends).

import type { SqliteDatabase } from '../store/index.js';
import type { LogEventInput } from './logs.js';

/** CloudWatch's largest event is 256 KB; longer lines are cut, as the Lambda log agent does. */
export const MAX_EVENT_BYTES = 256 * 1024;

/** One append: lines of one stream. */
export interface PendingAppend {
  readonly group: string;
  readonly stream: string;
  readonly events: readonly LogEventInput[];
}

export interface LogWriter {
  /** Writes the batch in one transaction (all or nothing). */
  write(batch: readonly PendingAppend[]): void;
  /** Forgets cached group and stream ids (a group was deleted elsewhere). */
  forget(): void;
}

interface StreamDelta {
  min: number;
  max: number;
  bytes: number;
}

const STREAM_CACHE_LIMIT = 10_000;

/**
 * Group and stream lookups by name, which the writer and the log store's own connection both need (each
 * connection prepares its own statements).
 */
export function prepareNameStatements(db: SqliteDatabase) {
  return {
    groupId: db.prepare<[string], { id: number }>('SELECT id FROM log_groups WHERE name = ?'),
    insertGroup: db.prepare<[string, number]>(
      'INSERT INTO log_groups (name, creation_time) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
    ),
    streamId: db.prepare<[number, string], { id: number }>(
      'SELECT id FROM log_streams WHERE group_id = ? AND name = ?',
    ),
  };
}

export function createLogWriter(db: SqliteDatabase, maxEventsPerGroup: number): LogWriter {
  const maxEvents = Math.max(1, maxEventsPerGroup);
  const trimAbove = maxEvents + Math.max(1, Math.floor(maxEvents / 10));

  const stmt = {
    ...prepareNameStatements(db),
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
  };

  const groupIds = new Map<string, number>();
  const streamIds = new Map<string, number>();

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

  const forget = () => {
    groupIds.clear();
    streamIds.clear();
  };

  return {
    write(batch) {
      try {
        // IMMEDIATE: take the write lock at BEGIN, so a writer on another connection that commits in
        // between cannot leave this transaction with a stale snapshot it could not upgrade.
        writeBatch.immediate(batch);
      } catch (err) {
        forget();
        throw err;
      }
    },
    forget,
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
