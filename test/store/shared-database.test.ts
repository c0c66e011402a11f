// The server's own write transactions and the function log writer thread share one database file through
// two connections. A transaction that reads before the writer thread commits must still be able to write:
// SQLite refuses such an upgrade at once (SQLITE_BUSY, no busy wait) unless the transaction took the write
// lock up front.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlSchema, createSqliteStore } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteFunctionLogs, logsSchema } from '../../src/telemetry/log-store.js';

describe('one database, two writers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kindling-shared-db-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('read-then-write transactions never fail while the log writer thread commits', async () => {
    const db = openDatabase(dir, [controlSchema, logsSchema]);
    const store = createSqliteStore(db);
    const logs = createSqliteFunctionLogs(db);
    let transactions = 0;
    const failures: string[] = [];
    const until = Date.now() + 2_000;
    try {
      while (Date.now() < until) {
        const lines = Array.from({ length: 200 }, (_, i) => ({
          timestamp: Date.now(),
          message: `line ${i}`,
        }));
        logs.append('/aws/lambda/shared', 'stream', lines);
        await sleep(1);
        // Meanwhile the writer thread commits the batches the store hands it every 50 ms.
        for (let i = 0; i < 300; i++) {
          try {
            store.transaction(() => {
              store.getFunction('absent');
              store.deleteFunction('absent');
            });
            transactions++;
          } catch (err) {
            failures.push(String(err));
          }
        }
      }
    } finally {
      logs.close();
      db.close();
    }
    assert.ok(transactions > 1_000, `ran ${transactions} transactions`);
    assert.deepEqual(failures.slice(0, 3), []);
  });
});
