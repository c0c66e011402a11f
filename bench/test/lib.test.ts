// The instrument's own parts, checked against known answers and against the server's real SigV4 verifier:
// run with `node --import tsx --test bench/test/lib.test.ts`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialLookup } from '../../src/api/credentials.js';
import { SigV4Verifier } from '../../src/api/sigv4.js';
import { type LoadRun, invalidReason } from '../lib/load.js';
import { parseReport } from '../lib/report-line.js';
import { atLeast, atMost, ratio, renderTable } from '../lib/report.js';
import { oneKbPayload } from '../lib/sdk-latency.js';
import { signedInvoke } from '../lib/signed-invoke.js';
import { percentile, summarize } from '../lib/stats.js';

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 0.5), 50);
    assert.equal(percentile(sorted, 0.9), 90);
    assert.equal(percentile(sorted, 0.99), 99);
    assert.equal(percentile([7], 0.99), 7);
    assert.ok(Number.isNaN(percentile([], 0.5)));
  });
  it('summarizes an unsorted sample', () => {
    const s = summarize([5, 1, 3, 2, 4]);
    assert.deepEqual([s.count, s.p50, s.min, s.max, s.mean], [5, 3, 1, 5, 3]);
  });
});

describe('REPORT line', () => {
  it('reads Duration and Init Duration from a tail log', () => {
    const log = [
      'START RequestId: r1 Version: $LATEST',
      'END RequestId: r1',
      'REPORT RequestId: r1\tDuration: 7.42 ms\tBilled Duration: 8 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\tInit Duration: 699.93 ms\t',
      '',
    ].join('\n');
    assert.deepEqual(parseReport(Buffer.from(log).toString('base64')), {
      durationMs: 7.42,
      initDurationMs: 699.93,
    });
  });
  it('has no Init Duration on a warm invoke', () => {
    const log =
      'REPORT RequestId: r2\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 9 MB\t\n';
    assert.deepEqual(parseReport(Buffer.from(log).toString('base64')), {
      durationMs: 1,
      initDurationMs: undefined,
    });
  });
});

describe('signed Invoke', () => {
  it('is accepted by the server verifier, and only with the right secret', async () => {
    const credentials = { accessKeyId: 'AKIDBENCHTEST', secretAccessKey: 'bench-secret' };
    const payload = oneKbPayload();
    assert.equal(payload.length, 1024);
    const r = await signedInvoke('http://127.0.0.1:9999', 'my-fn', payload, {
      region: 'us-east-1',
      credentials,
    });
    const request = { method: r.method, rawPath: r.path, rawQuery: '', headers: r.headers, body: r.body };
    const caller = await new SigV4Verifier(credentialLookup([credentials])).verify(request);
    assert.equal(caller.accessKeyId, credentials.accessKeyId);
    const wrong = new SigV4Verifier(credentialLookup([{ ...credentials, secretAccessKey: 'other' }]));
    await assert.rejects(wrong.verify(request));
  });
});

describe('report', () => {
  it('judges targets, and leaves missing values unjudged', () => {
    assert.equal(atMost(1.5, 2, '≤ 2×').met, true);
    assert.equal(atMost(2.5, 2, '≤ 2×').met, false);
    assert.equal(atLeast(null, 0.5, '≥ 0.5×').met, null);
    assert.equal(ratio(3, 0), null);
    assert.equal(ratio(3, 1.5), 2);
  });
  it('renders a figure with its floor and ratio', () => {
    const table = renderTable([
      {
        name: 'warm',
        title: 't',
        durationMs: 1,
        details: {},
        notes: [],
        figures: [
          {
            what: 'p50',
            value: 0.5,
            unit: 'ms',
            floor: { what: 'hop', value: 0.25 },
            ratio: 2,
            target: atMost(2, 2, '≤ 2×'),
          },
        ],
      },
    ]);
    assert.match(table, /\| warm \| p50 \| 0\.5 ms \| hop: 0\.25 ms \| 2\.00× \| ≤ 2× \(met\) \|/);
  });
});

describe('load run validity', () => {
  const base: LoadRun = {
    connections: 1,
    durationS: 1,
    rps: 10,
    ok: 10,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    latencyP50Ms: 1,
    latencyP99Ms: 1,
    statusCodes: { '200': 10 },
    valid: true,
  };
  it('is a figure only without non-2xx, errors and timeouts', () => {
    assert.equal(invalidReason(base), undefined);
    const bad = { ...base, non2xx: 2, statusCodes: { '200': 10, '429': 2 }, valid: false };
    assert.equal(invalidReason(bad), '2 non-2xx (2×429)');
  });
});
