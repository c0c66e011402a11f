// The durable queue of accepted async events. Acceptance is a group commit with synchronous=FULL, so the
// caller's 202 means the event is on stable storage. A dispatcher claims due events with a lease; what it
// decides (complete, retry later) is one transaction, together with whatever the outcome sends onward.

import { GroupCommit } from '../../queues/index.js';
import type { SqliteDatabase } from '../../store/index.js';
import type { AsyncEvent, LastResponse } from './model.js';

export interface NewAsyncEvent {
  readonly requestId: string;
  readonly functionName: string;
  readonly qualifier?: string;
  readonly payload: Buffer;
  readonly source: string;
  readonly receivedAt: number;
}

interface EventRow {
  seq: number;
  request_id: string;
  function_name: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  received_at: number;
  invoke_count: number;
  failures: number;
  throttles: number;
  last_function_error: string | null;
  last_executed_version: string | null;
  last_response: Buffer | null;
}

export class AsyncEventStore {
  private readonly group: GroupCommit;
  private readonly statements;

  constructor(private readonly db: SqliteDatabase) {
    this.group = new GroupCommit(db);
    this.statements = {
      insert: db.prepare(
        `INSERT OR IGNORE INTO async_events (request_id, function_name, qualifier, payload, source, received_at, next_attempt_at)
         VALUES (@requestId, @functionName, @qualifier, @payload, @source, @receivedAt, @receivedAt)`,
      ),
      claim: db.prepare<[{ now: number; leaseUntil: number; limit: number }], EventRow>(
        `UPDATE async_events SET lease_until = @leaseUntil
         WHERE seq IN (SELECT seq FROM async_events WHERE next_attempt_at <= @now AND lease_until <= @now
                       ORDER BY next_attempt_at, seq LIMIT @limit)
         RETURNING *`,
      ),
      complete: db.prepare('DELETE FROM async_events WHERE seq = ?'),
      reschedule: db.prepare(
        `UPDATE async_events SET next_attempt_at = @at, lease_until = 0, invoke_count = @invokeCount,
           failures = @failures, throttles = @throttles, last_function_error = @functionError,
           last_executed_version = @executedVersion, last_response = @response
         WHERE seq = @seq`,
      ),
      release: db.prepare('UPDATE async_events SET lease_until = 0 WHERE seq = ?'),
      expireLeases: db.prepare('UPDATE async_events SET lease_until = 0 WHERE lease_until > 0'),
      nextDue: db.prepare<[], { at: number | null }>(
        'SELECT MIN(MAX(next_attempt_at, lease_until)) AS at FROM async_events',
      ),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM async_events'),
    };
  }

  /** Resolves once the event is durably stored; a second event with the same request id is ignored. */
  enqueue(event: NewAsyncEvent): Promise<void> {
    return this.group.commit(() => this.insertNow(event));
  }

  /** Inserts inside the caller's transaction (an event sent on by a destination, a schedule's firing). */
  insertNow(event: NewAsyncEvent): void {
    this.statements.insert.run({ ...event, qualifier: event.qualifier ?? null });
  }

  /** Takes up to `limit` due events, each leased until `leaseUntil`. */
  claim(now: number, leaseUntil: number, limit: number): AsyncEvent[] {
    return this.statements.claim
      .all({ now, leaseUntil, limit })
      .map(toEvent)
      .sort((a, b) => a.seq - b.seq);
  }

  /** Removes a finished event (inside the transaction that routes its outcome). */
  complete(seq: number): void {
    this.statements.complete.run(seq);
  }

  /** Puts an event back to run at `at`, recording what its last run came to. */
  reschedule(
    seq: number,
    update: {
      at: number;
      invokeCount: number;
      failures: number;
      throttles: number;
      lastResponse?: LastResponse;
    },
  ): void {
    this.statements.reschedule.run({
      seq,
      at: update.at,
      invokeCount: update.invokeCount,
      failures: update.failures,
      throttles: update.throttles,
      functionError: update.lastResponse?.functionError ?? null,
      executedVersion: update.lastResponse?.executedVersion ?? null,
      response: update.lastResponse?.payload ?? null,
    });
  }

  /** Gives a claimed event back without recording anything (the dispatcher is stopping). */
  release(seq: number): void {
    this.statements.release.run(seq);
  }

  /**
   * Expires every lease. One process dispatches from this database, so at start-up any lease still held
   * belongs to a dispatcher that died: its events are due again now rather than when the lease would end.
   */
  expireAllLeases(): number {
    return this.statements.expireLeases.run().changes;
  }

  /** Earliest time any event becomes due, or undefined when the queue is empty. */
  nextDueAt(): number | undefined {
    return this.statements.nextDue.get()?.at ?? undefined;
  }

  /** Events accepted and not yet finished. */
  pending(): number {
    return this.statements.count.get()?.n ?? 0;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }
}

function toEvent(r: EventRow): AsyncEvent {
  return {
    seq: r.seq,
    requestId: r.request_id,
    functionName: r.function_name,
    ...(r.qualifier !== null ? { qualifier: r.qualifier } : {}),
    payload: r.payload,
    source: r.source,
    receivedAt: r.received_at,
    invokeCount: r.invoke_count,
    failures: r.failures,
    throttles: r.throttles,
    ...(r.last_executed_version !== null
      ? {
          lastResponse: {
            executedVersion: r.last_executed_version,
            payload: r.last_response ?? Buffer.alloc(0),
            ...(r.last_function_error !== null ? { functionError: r.last_function_error } : {}),
          },
        }
      : {}),
  };
}
