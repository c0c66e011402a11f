// The function log writer thread: writes the batches the log store sends it on its own connection to
// the shared database, so the transaction (and the WAL checkpoints it triggers, which fsync) never holds
// up the server's event loop and, with it, the invocations in flight.
// Protocol (src/telemetry/log-store.ts): `write` messages carry a sequence number and the batch as JSON;
// once a batch is committed (or failed and reported) its number is stored in the shared `done` cell and
// waiters are woken, so a reader on the main thread can wait until every append it made is on disk.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { type PendingAppend, createLogWriter } from './log-writer.js';

export interface WriterThreadData {
  readonly file: string;
  readonly maxEventsPerGroup: number;
  /** Int32Array over a SharedArrayBuffer: [0] = sequence number of the last batch handled. */
  readonly done: Int32Array;
}

export type WriterThreadMessage =
  | { readonly kind: 'write'; readonly seq: number; readonly batch: string }
  | { readonly kind: 'forget'; readonly seq: number }
  | { readonly kind: 'close'; readonly seq: number };

export type WriterThreadReport = { readonly kind: 'error'; readonly message: string };

const data = workerData as WriterThreadData;
const port = parentPort;
if (port === null) throw new Error('the log writer runs as a worker thread');

const db = new Database(data.file);
// The database is already in WAL mode (openDatabase); these are per connection.
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const writer = createLogWriter(db, data.maxEventsPerGroup);

port.on('message', (message: WriterThreadMessage) => {
  try {
    if (message.kind === 'write') writer.write(JSON.parse(message.batch) as PendingAppend[]);
    else if (message.kind === 'forget') writer.forget();
    else {
      db.close();
      port.close();
    }
  } catch (err) {
    // A failed write must not stop later ones; its lines are dropped and the store reports it.
    port.postMessage({ kind: 'error', message: String(err) } satisfies WriterThreadReport);
  } finally {
    Atomics.store(data.done, 0, message.seq);
    Atomics.notify(data.done, 0);
  }
});
