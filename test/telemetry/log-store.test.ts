import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SqliteDatabase, openDatabase } from '../../src/store/sqlite/database.js';
import {
  APPEND_FLUSH_MS,
  MAX_EVENT_BYTES,
  createSqliteFunctionLogs,
  logsSchema,
} from '../../src/telemetry/log-store.js';

const GROUP = '/aws/lambda/hello';
const STREAM_A = '2026/01/01/[$LATEST]aaaa';
const STREAM_B = '2026/01/01/[$LATEST]bbbb';

describe('SQLite function logs', () => {
  let dir: string;
  let db: SqliteDatabase;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-logs-'));
    db = openDatabase(dir, [logsSchema]);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates groups and streams on append and reads lines back in order', () => {
    const logs = createSqliteFunctionLogs(db);
    logs.append(GROUP, STREAM_A, [
      { timestamp: 1000, message: 'START RequestId: r1 Version: $LATEST' },
      { timestamp: 1001, message: 'hello' },
    ]);
    logs.append(GROUP, STREAM_B, [{ timestamp: 1002, message: 'other env' }]);
    logs.append(GROUP, STREAM_A, [{ timestamp: 1003, message: 'END RequestId: r1' }]);

    const events = logs.query({ logGroupName: GROUP });
    assert.deepEqual(
      events.map((e) => [e.logStreamName, e.timestamp, e.message]),
      [
        [STREAM_A, 1000, 'START RequestId: r1 Version: $LATEST'],
        [STREAM_A, 1001, 'hello'],
        [STREAM_B, 1002, 'other env'],
        [STREAM_A, 1003, 'END RequestId: r1'],
      ],
    );
    const ids = events.map((e) => Number(e.eventId));
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      ids,
      'event ids increase with ingestion',
    );
    assert.ok(events.every((e) => e.ingestionTime > 0));

    assert.deepEqual(
      logs.listGroups().map((g) => g.logGroupName),
      [GROUP],
    );
    const streams = logs.listStreams(GROUP);
    assert.deepEqual(
      streams.map((s) => [s.logStreamName, s.firstEventTimestamp, s.lastEventTimestamp]),
      [
        [STREAM_A, 1000, 1003],
        [STREAM_B, 1002, 1002],
      ],
    );
    assert.equal(
      streams[0]?.storedBytes,
      Buffer.byteLength('START RequestId: r1 Version: $LATEST hello END RequestId: r1') - 2,
    );
    logs.deleteGroup(GROUP);
  });

  it('writes appends in the background, batched over a few milliseconds', async () => {
    const logs = createSqliteFunctionLogs(db);
    logs.append('/aws/lambda/bg', 's', [{ timestamp: 5, message: 'queued' }]);
    const count = db.prepare(
      'SELECT count(*) AS n FROM log_events e JOIN log_groups g ON g.id = e.group_id WHERE g.name = ?',
    );
    assert.deepEqual(count.get('/aws/lambda/bg'), { n: 0 }, 'not written synchronously');
    await new Promise((r) => setImmediate(r));
    logs.append('/aws/lambda/bg', 's', [{ timestamp: 6, message: 'queued too' }]);
    assert.deepEqual(count.get('/aws/lambda/bg'), { n: 0 }, 'appends of several turns wait for one write');
    // The batch is handed to the writer thread after APPEND_FLUSH_MS and committed there, without any read.
    await new Promise((r) => setTimeout(r, APPEND_FLUSH_MS + 5));
    const deadline = Date.now() + 5000;
    while ((count.get('/aws/lambda/bg') as { n: number }).n < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(count.get('/aws/lambda/bg'), { n: 2 });
    logs.deleteGroup('/aws/lambda/bg');
  });

  it('filters by stream, time range and filter pattern, and pages with afterEventId', () => {
    const logs = createSqliteFunctionLogs(db);
    const g = '/aws/lambda/filters';
    logs.append(g, STREAM_A, [
      { timestamp: 10, message: 'INFO starting' },
      { timestamp: 20, message: 'ERROR boom "quoted"' },
      { timestamp: 30, message: 'WARN slow' },
    ]);
    logs.append(g, STREAM_B, [{ timestamp: 25, message: 'ERROR other stream' }]);

    const msgs = (q: Partial<Parameters<typeof logs.query>[0]>) =>
      logs.query({ logGroupName: g, ...q }).map((e) => e.message);
    assert.deepEqual(msgs({ logStreamNames: [STREAM_B] }), ['ERROR other stream']);
    assert.deepEqual(msgs({ logStreamNames: ['missing'] }), []);
    assert.deepEqual(msgs({ startTime: 20, endTime: 25 }), ['ERROR boom "quoted"', 'ERROR other stream']);
    assert.deepEqual(msgs({ filterPattern: 'ERROR' }), ['ERROR boom "quoted"', 'ERROR other stream']);
    assert.deepEqual(msgs({ filterPattern: 'ERROR -other' }), ['ERROR boom "quoted"']);
    assert.deepEqual(msgs({ filterPattern: '?WARN ?INFO' }), ['INFO starting', 'WARN slow']);
    assert.deepEqual(msgs({ filterPattern: '"other stream"' }), ['ERROR other stream']);
    assert.deepEqual(msgs({ filterPattern: 'error' }), [], 'case-sensitive like CloudWatch');
    assert.throws(() => msgs({ filterPattern: '{ $.level = "ERROR" }' }), /Only term filter patterns/);

    const first = logs.query({ logGroupName: g, limit: 2 });
    assert.deepEqual(
      first.map((e) => e.message),
      ['INFO starting', 'ERROR boom "quoted"'],
    );
    const rest = logs.query({ logGroupName: g, afterEventId: first[1]?.eventId });
    assert.deepEqual(
      rest.map((e) => e.message),
      ['WARN slow', 'ERROR other stream'],
    );
    const newest = logs.query({ logGroupName: g, newestFirst: true, limit: 2 });
    assert.deepEqual(
      newest.map((e) => e.message),
      ['ERROR other stream', 'WARN slow'],
    );
    const older = logs.query({ logGroupName: g, newestFirst: true, afterEventId: newest[1]?.eventId });
    assert.deepEqual(
      older.map((e) => e.message),
      ['ERROR boom "quoted"', 'INFO starting'],
    );
    assert.deepEqual(logs.query({ logGroupName: '/aws/lambda/none' }), []);
    logs.deleteGroup(g);
  });

  it('keeps only the newest events of a chatty group', () => {
    const logs = createSqliteFunctionLogs(db, { maxEventsPerGroup: 10 });
    const g = '/aws/lambda/chatty';
    for (let i = 0; i < 30; i++)
      logs.append(g, i < 15 ? STREAM_A : STREAM_B, [{ timestamp: i, message: `line ${i}` }]);
    logs.flush();
    const events = logs.query({ logGroupName: g });
    assert.ok(events.length >= 10 && events.length <= 11, `kept ${events.length}`);
    assert.equal(events.at(-1)?.message, 'line 29');
    assert.ok(
      events.every((e) => e.logStreamName === STREAM_B),
      'the oldest stream was trimmed away entirely',
    );
    assert.deepEqual(
      logs.listStreams(g).map((s) => s.logStreamName),
      [STREAM_B],
    );
    const [group] = logs.listGroups(g);
    assert.equal(
      group?.storedBytes,
      events.reduce((n, e) => n + Buffer.byteLength(e.message), 0),
    );
    // Appending more keeps trimming; ids are never reused.
    const lastId = Number(events.at(-1)?.eventId);
    logs.append(g, STREAM_A, [{ timestamp: 99, message: 'late' }]);
    const after = logs.query({ logGroupName: g, afterEventId: String(lastId) });
    assert.deepEqual(
      after.map((e) => e.message),
      ['late'],
    );
    logs.deleteGroup(g);
  });

  it('cuts events longer than 256 KB', () => {
    const logs = createSqliteFunctionLogs(db);
    const g = '/aws/lambda/big';
    logs.append(g, 's', [{ timestamp: 1, message: 'é'.repeat(MAX_EVENT_BYTES) }]);
    const [event] = logs.query({ logGroupName: g });
    assert.ok(event);
    assert.ok(Buffer.byteLength(event.message) <= MAX_EVENT_BYTES);
    assert.ok(Buffer.byteLength(event.message) > MAX_EVENT_BYTES - 4);
    assert.ok(!event.message.includes('\uFFFD'));
    logs.deleteGroup(g);
  });

  it('creates, lists by prefix and deletes groups', () => {
    const logs = createSqliteFunctionLogs(db);
    assert.equal(logs.createGroup('/custom/one'), true);
    assert.equal(logs.createGroup('/custom/one'), false);
    logs.append('/custom/two', 's', [{ timestamp: 1, message: 'x' }]);
    assert.deepEqual(
      logs.listGroups('/custom/').map((g) => g.logGroupName),
      ['/custom/one', '/custom/two'],
    );
    logs.deleteGroup('/custom/two');
    assert.deepEqual(
      logs.listGroups('/custom/').map((g) => g.logGroupName),
      ['/custom/one'],
    );
    assert.deepEqual(logs.query({ logGroupName: '/custom/two' }), []);
    // A group deleted and written again starts empty.
    logs.append('/custom/two', 's', [{ timestamp: 2, message: 'again' }]);
    assert.deepEqual(
      logs.query({ logGroupName: '/custom/two' }).map((e) => e.message),
      ['again'],
    );
    logs.deleteGroup('/custom/one');
    logs.deleteGroup('/custom/two');
  });

  it('survives reopening the database', () => {
    const logs = createSqliteFunctionLogs(db);
    logs.append('/aws/lambda/durable', 's', [{ timestamp: 7, message: 'kept' }]);
    logs.flush();
    const other = openDatabase(dir, [logsSchema]);
    try {
      const again = createSqliteFunctionLogs(other);
      assert.deepEqual(
        again.query({ logGroupName: '/aws/lambda/durable' }).map((e) => e.message),
        ['kept'],
      );
    } finally {
      other.close();
    }
  });

  it("writes on the caller's thread where the database cannot be shared (in memory)", () => {
    const memory = openDatabase(dir, [logsSchema], ':memory:');
    try {
      const logs = createSqliteFunctionLogs(memory);
      logs.append('/aws/lambda/mem', 's', [{ timestamp: 1, message: 'in memory' }]);
      assert.deepEqual(
        logs.query({ logGroupName: '/aws/lambda/mem' }).map((e) => e.message),
        ['in memory'],
      );
      logs.close();
    } finally {
      memory.close();
    }
  });

  it('close() commits queued appends before the database closes', () => {
    const own = mkdtempSync(join(tmpdir(), 'kindling-logs-close-'));
    try {
      const first = openDatabase(own, [logsSchema]);
      const logs = createSqliteFunctionLogs(first);
      logs.append('/aws/lambda/closing', 's', [{ timestamp: 1, message: 'last words' }]);
      logs.close();
      first.close();
      const again = openDatabase(own, [logsSchema]);
      try {
        assert.deepEqual(
          createSqliteFunctionLogs(again, { writerThread: false })
            .query({ logGroupName: '/aws/lambda/closing' })
            .map((e) => e.message),
          ['last words'],
        );
      } finally {
        again.close();
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('never keeps the process alive: a process that did not close the store still exits', () => {
    const own = mkdtempSync(join(tmpdir(), 'kindling-logs-exit-'));
    try {
      const src = (path: string) => JSON.stringify(new URL(`../../src/${path}`, import.meta.url).href);
      const script = [
        `const { openDatabase } = await import(${src('store/sqlite/database.ts')});`,
        `const { createSqliteFunctionLogs, logsSchema } = await import(${src('telemetry/log-store.ts')});`,
        `const db = openDatabase(${JSON.stringify(own)}, [logsSchema]);`,
        'const logs = createSqliteFunctionLogs(db);',
        "logs.append('/aws/lambda/exit', 's', [{ timestamp: 1, message: 'x' }]);",
        "process.stdout.write(String(logs.query({ logGroupName: '/aws/lambda/exit' }).length));",
      ].join('\n');
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        timeout: 20_000,
        encoding: 'utf8',
      });
      assert.equal(run.signal, null, 'exited by itself');
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, '1');
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('appends 100k lines quickly', () => {
    const logs = createSqliteFunctionLogs(db);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      logs.append('/aws/lambda/fast', `stream-${i % 8}`, [{ timestamp: i, message: `line ${i} of the log` }]);
    }
    const appendMs = performance.now() - started;
    logs.flush();
    const totalMs = performance.now() - started;
    assert.ok(appendMs < 500, `append took ${appendMs} ms`);
    assert.ok(totalMs < 5000, `append + write took ${totalMs} ms`);
    assert.equal(!!logs.listGroups('/aws/lambda/fast')[0]?.storedBytes, true);
    logs.deleteGroup('/aws/lambda/fast');
  });
});
