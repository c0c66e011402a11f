// The invocation record sent to async destinations carries the payloads as parsed JSON, and must always
// serialise: a payload nesting deeper than JSON.stringify can recurse travels as its text.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invocationRecord } from '../../../src/invoke/async/index.js';

const record = (payload: string) =>
  invocationRecord({
    requestId: 'r-1',
    qualifiedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f:$LATEST',
    condition: 'Success',
    approximateInvokeCount: 1,
    requestPayload: Buffer.from(payload),
    now: 0,
  });

describe('invocation record', () => {
  it('carries a JSON payload parsed and a non-JSON one as text', () => {
    assert.deepEqual(record('{"a":[1,2]}').requestPayload, { a: [1, 2] });
    assert.equal(record('not json').requestPayload, 'not json');
  });

  it('serialises whatever the payload nests: a 1 MB payload of brackets travels as its text', () => {
    const deep = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const r = record(deep);
    const body = JSON.stringify(r);
    assert.equal(r.requestPayload, deep);
    assert.ok(body.length > deep.length);
  });
});
