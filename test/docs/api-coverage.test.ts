// docs/api-coverage.md is a promise: every row marked supported or partial must reach an operation on a
// real server, and every row marked "not yet" must be answered as an unknown operation.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type KindlingHandle, repoRoot, startKindling } from '../helpers/server.js';
import { signedFetch } from '../helpers/signed-fetch.js';

interface Row {
  operation: string;
  method: string;
  path: string;
  status: string;
}

function rows(): Row[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'api-coverage.md'), 'utf8');
  return doc
    .split('\n')
    .filter((l) => /^\| [A-Z][A-Za-z]+ \| (GET|POST|PUT|DELETE) \|/.test(l))
    .map((l) => {
      const [operation, method, path, status] = l
        .split('|')
        .slice(1, 5)
        .map((c) => c.trim()) as [string, string, string, string];
      return { operation, method, path, status };
    });
}

const SAMPLE: Record<string, string> = {
  FunctionName: 'coverage-fn',
  Name: 'live',
  LayerName: 'coverage-layer',
  VersionNumber: '1',
  ARN: encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:function:coverage-fn'),
  UUID: '00000000-0000-4000-8000-000000000000',
  StatementId: 'stmt',
  CodeSigningConfigArn: encodeURIComponent('arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0'),
};

describe('docs/api-coverage.md', () => {
  let kindling: KindlingHandle;
  before(async () => {
    kindling = await startKindling();
  });
  after(() => kindling.stop());

  function send(method: string, pathAndQuery: string): Promise<Response> {
    const url = new URL(pathAndQuery, kindling.endpoint);
    const hasBody = method === 'POST' || method === 'PUT';
    return signedFetch(kindling, {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      ...(hasBody ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
    });
  }

  const table = rows();
  it('lists the Lambda operations', () => {
    assert.ok(table.length >= 60, `only ${table.length} rows parsed`);
    for (const r of table)
      assert.match(r.status, /^(supported|partial|not yet)$/, `${r.operation}: status '${r.status}'`);
  });

  for (const row of table) {
    it(`${row.operation} is ${row.status}`, async () => {
      const path = row.path.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => SAMPLE[name] ?? name);
      const res = await send(row.method, path);
      const errorType = res.headers.get('x-amzn-errortype');
      await res.arrayBuffer();
      if (row.status === 'not yet') {
        assert.equal(
          errorType,
          'UnknownOperationException',
          `${row.method} ${path} answered ${res.status} ${errorType}`,
        );
      } else {
        assert.notEqual(errorType, 'UnknownOperationException', `${row.method} ${path} is not routed`);
        assert.notEqual(res.status, 500, `${row.method} ${path} failed inside: ${errorType}`);
      }
    });
  }
});
