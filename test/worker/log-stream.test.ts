import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type SqliteDatabase, openDatabase } from '../../src/store/sqlite/database.js';
import { createSqliteFunctionLogs, logsSchema } from '../../src/telemetry/log-store.js';
import { EnvironmentLogStream } from '../../src/worker/log-stream.js';

const GROUP = '/aws/lambda/utf8';
const STREAM = '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef';

describe('environment log stream', () => {
  let dir: string;
  let db: SqliteDatabase;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kindling-log-stream-'));
    db = openDatabase(dir, [logsSchema]);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a UTF-8 character the pipe split across two chunks intact', async () => {
    const logs = createSqliteFunctionLogs(db);
    const errors: unknown[] = [];
    const stream = new EnvironmentLogStream(logs, GROUP, STREAM, (err) => errors.push(err));
    const bytes = Buffer.from('héllo wörld €\nnext 日本\n', 'utf8');
    // Split inside 'é' (2 bytes), inside '€' (3 bytes) and inside '日' (3 bytes).
    const cuts = [2, bytes.indexOf(Buffer.from('€')) + 1, bytes.indexOf(Buffer.from('日')) + 2];
    let at = 0;
    for (const cut of cuts) {
      stream.output(bytes.subarray(at, cut));
      at = cut;
    }
    stream.output(bytes.subarray(at));
    stream.close();
    await new Promise((resolve) => setImmediate(resolve));
    const messages = logs.query({ logGroupName: GROUP }).map((e) => e.message);
    assert.deepEqual(messages, ['héllo wörld €', 'next 日本']);
    assert.deepEqual(errors, []);
  });

  it(
    'holds at most one log event of a line that never ends, however much the guest writes',
    { timeout: 20_000 },
    async () => {
      const logs = createSqliteFunctionLogs(db);
      const name = `${STREAM}long`;
      const stream = new EnvironmentLogStream(logs, GROUP, name, () => undefined);
      // 64 MiB without a newline, in pipe-sized chunks: the server must neither keep it all nor rescan it.
      const chunk = Buffer.alloc(64 * 1024, 'a');
      const started = performance.now();
      for (let i = 0; i < 1024; i++) stream.output(chunk);
      const elapsed = performance.now() - started;
      stream.output(Buffer.from('b\nnext\n'));
      stream.close();
      const messages = logs.query({ logGroupName: GROUP, logStreamNames: [name] }).map((e) => e.message);
      assert.equal(messages.length, 2);
      assert.equal(messages[0], 'a'.repeat(256 * 1024));
      assert.equal(messages[1], 'next');
      assert.ok(elapsed < 2_000, `64 MiB of one line took ${Math.round(elapsed)} ms`);
    },
  );

  it('writes a partial last line split inside a character when the environment ends', async () => {
    const logs = createSqliteFunctionLogs(db);
    const stream = new EnvironmentLogStream(logs, GROUP, `${STREAM}x`, () => undefined);
    const bytes = Buffer.from('tail ü', 'utf8');
    stream.output(bytes.subarray(0, bytes.length - 1));
    stream.output(bytes.subarray(bytes.length - 1));
    stream.close();
    const messages = logs
      .query({ logGroupName: GROUP, logStreamNames: [`${STREAM}x`] })
      .map((e) => e.message);
    assert.deepEqual(messages, ['tail ü']);
  });
  it("writes an invocation's unfinished last line before its END, not into the next invocation", async () => {
    const logs = createSqliteFunctionLogs(db);
    const name = `${STREAM}partial`;
    const stream = new EnvironmentLogStream(logs, GROUP, name, () => undefined);
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const tails: string[] = [];
    const onTail = (tail: string) => tails.push(Buffer.from(tail, 'base64').toString('utf8'));

    stream.begin('START 1', true);
    stream.output(Buffer.from('first line\nno newline'));
    stream.end('END 1', 'REPORT 1', onTail);
    await turn();
    stream.begin('START 2', true);
    stream.output(Buffer.from('second line\n'));
    stream.end('END 2', 'REPORT 2', onTail);
    await turn();

    const messages = logs.query({ logGroupName: GROUP, logStreamNames: [name] }).map((e) => e.message);
    assert.deepEqual(messages, [
      'START 1',
      'first line',
      'no newline',
      'END 1',
      'REPORT 1',
      'START 2',
      'second line',
      'END 2',
      'REPORT 2',
    ]);
    assert.equal(tails.length, 2);
    assert.match(tails[0] as string, /first line\nno newline\nEND 1/);
    assert.doesNotMatch(tails[1] as string, /no newline/);
    assert.match(tails[1] as string, /START 2\nsecond line\nEND 2/);
  });

  it('keeps output that arrives in the same turn as the end of an invocation before its END', async () => {
    const logs = createSqliteFunctionLogs(db);
    const name = `${STREAM}late`;
    const stream = new EnvironmentLogStream(logs, GROUP, name, () => undefined);
    stream.begin('START 1', false);
    // The Runtime API's answer is handled first; the pipe's last bytes are read later in the same turn.
    stream.end('END 1', 'REPORT 1');
    stream.output(Buffer.from('late'));
    await new Promise((resolve) => setImmediate(resolve));
    const messages = logs.query({ logGroupName: GROUP, logStreamNames: [name] }).map((e) => e.message);
    assert.deepEqual(messages, ['START 1', 'late', 'END 1', 'REPORT 1']);
  });

  it('drains output the sandbox holds before END (an unfinished line still in the sandbox)', async () => {
    const logs = createSqliteFunctionLogs(db);
    const name = `${STREAM}held`;
    const stream = new EnvironmentLogStream(logs, GROUP, name, () => undefined);
    // A sandbox that buffers up to a newline, as the process tier's does.
    let held = '';
    const deliver = (text: string) => {
      const nl = text.lastIndexOf('\n');
      stream.output(Buffer.from(held + text.slice(0, nl + 1)));
      held = text.slice(nl + 1);
    };
    stream.holdsOutput(() => {
      if (held !== '') stream.output(Buffer.from(held));
      held = '';
    });
    stream.begin('START 1', false);
    deliver('one\nheld back');
    stream.end('END 1', 'REPORT 1');
    await new Promise((resolve) => setImmediate(resolve));
    stream.begin('START 2', false);
    deliver('two\n');
    stream.end('END 2', 'REPORT 2');
    await new Promise((resolve) => setImmediate(resolve));
    const messages = logs.query({ logGroupName: GROUP, logStreamNames: [name] }).map((e) => e.message);
    assert.deepEqual(messages, [
      'START 1',
      'one',
      'held back',
      'END 1',
      'REPORT 1',
      'START 2',
      'two',
      'END 2',
      'REPORT 2',
    ]);
  });
});
