// The embedded store's one SQLite database (better-sqlite3, WAL). Each part of the store declares its own
// tables as a named, append-only list of migrations; opening the database applies what is missing, in a
// transaction, so a crash mid-upgrade leaves the old schema intact.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

export interface SchemaPart {
  /** Unique name of the part, e.g. 'functions', 'queues', 'logs'. */
  readonly name: string;
  /** SQL statements, applied in order; never edit an applied one, append a new one. */
  readonly migrations: readonly string[];
}

export function openDatabase(
  dataDir: string,
  parts: readonly SchemaPart[],
  fileName = 'kindling.sqlite',
): SqliteDatabase {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, fileName));
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode is durable across process crashes (the WAL is written before commit returns);
  // only an OS crash can lose the last transactions. Async events need FULL: see the queue tables.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // The function log writer thread writes through its own connection. Every write transaction here is
  // therefore begun IMMEDIATE (`db.transaction(fn).immediate()`): a deferred one that read before the
  // writer committed cannot upgrade to a write, and SQLite refuses it at once (SQLITE_BUSY) instead of waiting.
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (part TEXT NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (part, step))',
  );
  applyMigrations(db, parts);
  return db;
}

export function applyMigrations(db: SqliteDatabase, parts: readonly SchemaPart[]): void {
  const applied = db.prepare<[string], { step: number }>('SELECT step FROM schema_migrations WHERE part = ?');
  const record = db.prepare('INSERT INTO schema_migrations (part, step) VALUES (?, ?)');
  for (const part of parts) {
    const done = new Set(applied.all(part.name).map((r) => r.step));
    db.transaction(() => {
      part.migrations.forEach((sql, step) => {
        if (done.has(step)) return;
        db.exec(sql);
        record.run(part.name, step);
      });
    }).immediate();
  }
}
