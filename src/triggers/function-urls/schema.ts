// Function URL configs: one per function qualifier ($LATEST or an alias), found by its url id on each
// request to /lambda-url/<url-id>/...

import type { SchemaPart } from '../../store/index.js';

export const functionUrlsSchema: SchemaPart = {
  name: 'function-urls',
  migrations: [
    `CREATE TABLE function_url_configs (
      url_id TEXT PRIMARY KEY,
      function_name TEXT NOT NULL,
      qualifier TEXT NOT NULL,
      auth_type TEXT NOT NULL,
      cors TEXT,
      invoke_mode TEXT NOT NULL,
      creation_time TEXT NOT NULL,
      last_modified_time TEXT NOT NULL,
      UNIQUE (function_name, qualifier)
    )`,
  ],
};
