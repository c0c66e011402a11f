import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../src/cli/output.js';
import { parseSince } from '../../src/cli/since.js';

describe('--since', () => {
  const now = Date.UTC(2026, 0, 2, 12, 0, 0);
  it('takes relative times like aws logs tail', () => {
    assert.equal(parseSince('30s', now), now - 30_000);
    assert.equal(parseSince('10m', now), now - 600_000);
    assert.equal(parseSince('2h', now), now - 7_200_000);
    assert.equal(parseSince('1d', now), now - 86_400_000);
    assert.equal(parseSince('1w', now), now - 604_800_000);
  });
  it('takes ISO 8601 times', () => {
    assert.equal(parseSince('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
  });
  it('rejects anything else', () => {
    assert.throws(() => parseSince('5h30m', now), /expected a relative time/);
    assert.throws(() => parseSince('yesterday', now), /expected a relative time/);
  });
});

describe('formatTable', () => {
  it('aligns columns under their headers', () => {
    assert.equal(
      formatTable(
        ['NAME', 'MEMORY'],
        [
          ['hello-world', '128 MB'],
          ['x', '1024 MB'],
        ],
      ),
      'NAME         MEMORY\nhello-world  128 MB\nx            1024 MB',
    );
  });
});
