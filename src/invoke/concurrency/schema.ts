// Tables of concurrency settings: each function's reserved concurrency and its provisioned-concurrency
// configurations. Both go away with their function (ON DELETE CASCADE on the control plane's functions
// table, whose rows are updated in place, never replaced).

import type { SchemaPart } from '../../store/index.js';

/** Append-only: never edit an applied migration. Apply after the control schema. */
export const concurrencySchema: SchemaPart = {
  name: 'concurrency',
  migrations: [
    `CREATE TABLE function_concurrency (
       function_name TEXT PRIMARY KEY REFERENCES functions(name) ON DELETE CASCADE,
       reserved_concurrent_executions INTEGER NOT NULL
     )`,
    `CREATE TABLE provisioned_concurrency (
       function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
       -- a published version number or an alias name, as the caller gave it
       qualifier TEXT NOT NULL,
       requested INTEGER NOT NULL,
       -- ISO 8601 with milliseconds, UTC
       last_modified TEXT NOT NULL,
       PRIMARY KEY (function_name, qualifier)
     )`,
  ],
};
