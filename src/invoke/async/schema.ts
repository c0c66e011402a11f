// Tables of asynchronous invocation: the durable event queue and the per-qualifier event-invoke configs.
// An event row lives from acceptance (the 202) until its outcome has been routed; a dispatcher holds it
// under a lease while it runs, so a dispatcher that dies gives it back when the lease expires.

import type { SchemaPart } from '../../store/index.js';

export const asyncInvokeSchema: SchemaPart = {
  name: 'async-invoke',
  migrations: [
    `CREATE TABLE async_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL UNIQUE,
      function_name TEXT NOT NULL,
      qualifier TEXT,
      payload BLOB NOT NULL,
      source TEXT NOT NULL,
      received_at INTEGER NOT NULL,
      next_attempt_at INTEGER NOT NULL,
      lease_until INTEGER NOT NULL DEFAULT 0,
      invoke_count INTEGER NOT NULL DEFAULT 0,
      failures INTEGER NOT NULL DEFAULT 0,
      throttles INTEGER NOT NULL DEFAULT 0,
      last_function_error TEXT,
      last_executed_version TEXT,
      last_response BLOB
    )`,
    'CREATE INDEX async_events_due ON async_events (next_attempt_at, seq)',
    `CREATE TABLE event_invoke_configs (
      function_name TEXT NOT NULL,
      qualifier TEXT NOT NULL,
      maximum_retry_attempts INTEGER,
      maximum_event_age_seconds INTEGER,
      on_success TEXT,
      on_failure TEXT,
      last_modified INTEGER NOT NULL,
      PRIMARY KEY (function_name, qualifier)
    )`,
  ],
};
