import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endLine, reportLine, startLine, timeoutLine } from '../../src/telemetry/report-lines.js';

describe('START / END / REPORT lines (wire contract 2.7)', () => {
  const id = '8476a536-e9f4-11e8-9739-2dfe598c3fcd';

  it('formats START and END', () => {
    assert.equal(startLine(id, '$LATEST'), `START RequestId: ${id} Version: $LATEST`);
    assert.equal(endLine(id), `END RequestId: ${id}`);
  });

  it('formats REPORT with tabs, a trailing tab, and Init Duration last on a cold invoke', () => {
    assert.equal(
      reportLine({
        requestId: id,
        durationMs: 3.0123,
        memorySizeMb: 128,
        maxMemoryUsedMb: 36,
        initDurationMs: 110.1,
      }),
      `REPORT RequestId: ${id}\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t`,
    );
    assert.equal(
      reportLine({ requestId: id, durationMs: 0.2, memorySizeMb: 512, maxMemoryUsedMb: 40 }),
      `REPORT RequestId: ${id}\tDuration: 0.20 ms\tBilled Duration: 1 ms\tMemory Size: 512 MB\tMax Memory Used: 40 MB\t`,
    );
  });

  it('formats the timeout line', () => {
    assert.equal(
      timeoutLine(new Date('2026-01-02T03:04:05.678Z'), id, 1),
      `2026-01-02T03:04:05.678Z ${id} Task timed out after 1.00 seconds`,
    );
  });
});
