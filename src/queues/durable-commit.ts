// Durable commits. The shared database runs WAL with synchronous=NORMAL, which survives a process crash but
// not a power loss. An accepted async event (Invoke with Event → 202) and an accepted queue message
// (SendMessage → 200) are promises to the caller, so their transactions run with synchronous=FULL: the WAL
// is fsynced before the commit returns, and only then is the caller answered.

import type { SqliteDatabase } from '../store/index.js';

/** Runs `fn` in one transaction that is on stable storage when this returns. */
export function durableTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  // Inside a caller's transaction the outer commit decides; switching the pragma there is not allowed.
  if (db.inTransaction) return fn();
  const previous = db.pragma('synchronous', { simple: true });
  db.pragma('synchronous = FULL');
  try {
    return db.transaction(fn).immediate();
  } finally {
    db.pragma(`synchronous = ${Number(previous)}`);
  }
}

/**
 * Group commit: many callers' writes share one fsync. Each `commit(write)` resolves once the transaction
 * holding its write is durable; writes made in the same turn of the event loop are committed together.
 */
export class GroupCommit {
  private pending: Array<{ write: () => void; resolve: () => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(private readonly db: SqliteDatabase) {}

  commit(write: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ write, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    try {
      durableTransaction(this.db, () => {
        for (const item of batch) item.write();
      });
    } catch {
      // One bad write must not fail its neighbours: retry each alone so each caller gets its own answer.
      for (const item of batch) {
        try {
          durableTransaction(this.db, item.write);
          item.resolve();
        } catch (err) {
          item.reject(err);
        }
      }
      return;
    }
    for (const item of batch) item.resolve();
  }
}
