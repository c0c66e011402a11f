import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromFunctionResult, toUrlEvent } from '../../src/triggers/function-urls/index.js';

const request = {
  method: 'POST',
  rawPath: '/a/b',
  rawQueryString: 'x=1&x=2&y=z',
  headers: {
    host: 'h:1',
    'content-type': 'image/png',
    cookie: 'a=1; b=2',
    'user-agent': 'ua',
    'x-many': ['1', '2'],
  },
  body: Buffer.from([0, 255]),
  sourceIp: '10.0.0.1',
  requestId: 'rid',
  time: Date.parse('2020-03-12T19:03:58Z'),
};

describe('function URL mapping', () => {
  it('builds the 2.0 event: cookies apart, repeated values comma-joined, binary bodies base64', () => {
    const e = toUrlEvent(request, { urlId: 'u', accountId: '000000000000', domainName: 'h:1' }) as Record<
      string,
      unknown
    > & {
      headers: Record<string, string>;
      requestContext: Record<string, unknown>;
    };
    assert.deepEqual(e.cookies, ['a=1', 'b=2']);
    assert.equal(e.headers.cookie, undefined);
    assert.equal(e.headers['x-many'], '1,2');
    assert.deepEqual(e.queryStringParameters, { x: '1,2', y: 'z' });
    assert.equal(e.body, 'AP8=');
    assert.equal(e.isBase64Encoded, true);
    assert.equal(e.requestContext.time, '12/Mar/2020:19:03:58 +0000');
    assert.equal(e.requestContext.timeEpoch, request.time);
    assert.equal(e.requestContext.accountId, 'anonymous');
    const text = toUrlEvent(
      { ...request, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}') },
      { urlId: 'u', accountId: '0', domainName: 'h' },
    );
    assert.equal(text.body, '{"a":1}');
    assert.equal(text.isBase64Encoded, false);
  });

  it('reads results as Lambda infers them', () => {
    const structured = fromFunctionResult(
      Buffer.from(
        JSON.stringify({
          statusCode: 404,
          headers: { 'X-A': 'b', bad: 'x\r\ny' },
          cookies: ['c=1'],
          body: 'AAE=',
          isBase64Encoded: true,
        }),
      ),
    );
    assert.equal(structured.statusCode, 404);
    assert.deepEqual(structured.headers, { 'x-a': 'b' });
    assert.deepEqual(structured.cookies, ['c=1']);
    assert.deepEqual([...structured.body], [0, 1]);
    assert.equal(fromFunctionResult(Buffer.from('"hi"')).body.toString(), 'hi');
    const obj = fromFunctionResult(Buffer.from('{"a":1}'));
    assert.equal(obj.statusCode, 200);
    assert.equal(obj.headers['content-type'], 'application/json');
    assert.equal(obj.body.toString(), '{"a":1}');
  });
});
