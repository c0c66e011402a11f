// The built-in queue's tables. Messages carry their visibility as a timestamp: a message is receivable when
// visible_at <= now, so a receive is one indexed range scan and a crashed consumer's messages come back on
// their own when the visibility timeout passes.

import type { SchemaPart } from '../store/index.js';

export const queuesSchema: SchemaPart = {
  name: 'queues',
  migrations: [
    `CREATE TABLE sqs_queues (
      name TEXT PRIMARY KEY,
      created_at INTEGER NOT NULL,
      last_modified INTEGER NOT NULL,
      attributes TEXT NOT NULL
    )`,
    `CREATE TABLE sqs_messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      queue TEXT NOT NULL REFERENCES sqs_queues(name) ON DELETE CASCADE,
      message_id TEXT NOT NULL UNIQUE,
      body TEXT NOT NULL,
      message_attributes TEXT NOT NULL,
      md5_of_body TEXT NOT NULL,
      md5_of_message_attributes TEXT,
      sent_at INTEGER NOT NULL,
      visible_at INTEGER NOT NULL,
      receive_count INTEGER NOT NULL DEFAULT 0,
      first_received_at INTEGER,
      receipt_token TEXT
    )`,
    'CREATE INDEX sqs_messages_visible ON sqs_messages (queue, visible_at, seq)',
  ],
};
