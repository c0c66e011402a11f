// Function URLs end to end: config operations through @aws-sdk/client-lambda, and plain fetch against
// /lambda-url/<url-id>/... for the request → 2.0 event and result → response mapping, binary bodies,
// cookies, CORS, AWS_IAM (SigV4, service lambda) and function errors (502).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  ResourceConflictException,
  ResourceNotFoundException,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { signedFetch } from '../helpers/signed-fetch.js';
import { createEventFunction, fnArn } from './events-helpers.js';

/** The parts of the 2.0 event this test reads. */
interface UrlEvent {
  version: string;
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  queryStringParameters: Record<string, string>;
  cookies: string[];
  headers: Record<string, string | undefined>;
  body: string;
  isBase64Encoded: boolean;
  requestContext: {
    accountId: string;
    apiId: string;
    requestId: string;
    stage: string;
    time: string;
    timeEpoch: number;
    http: { method: string; path: string; protocol: string; userAgent: string };
  };
}

describe('function URLs (e2e)', () => {
  let k: KindlingHandle;
  let url: string;

  before(async () => {
    k = await startKindling();
    await createEventFunction(k.lambda, 'web');
    const created = await k.lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'web',
        AuthType: 'NONE',
        Cors: {
          AllowOrigins: ['https://app.example'],
          AllowMethods: ['GET', 'POST'],
          AllowHeaders: ['x-custom'],
          MaxAge: 300,
          ExposeHeaders: ['x-kind'],
        },
      }),
    );
    url = created.FunctionUrl ?? '';
  });
  after(async () => {
    await k?.stop();
  });

  it('creates, reads, updates, lists and deletes URL configs with the wire shapes', async () => {
    assert.match(url, new RegExp(`^${k.endpoint}/lambda-url/[a-z2-7]{32}/$`));
    const got = await k.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    assert.equal(got.FunctionUrl, url);
    assert.equal(got.FunctionArn, fnArn('web'));
    assert.equal(got.AuthType, 'NONE');
    assert.equal(got.InvokeMode, 'BUFFERED');
    assert.ok(got.CreationTime && got.LastModifiedTime);
    await assert.rejects(
      k.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' })),
      ResourceConflictException,
    );
    await k.lambda.send(new PublishVersionCommand({ FunctionName: 'web' }));
    await k.lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '1' }));
    const live = await k.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'AWS_IAM' }),
    );
    assert.equal(live.FunctionArn, `${fnArn('web')}:live`);
    const listed = await k.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }));
    assert.equal(listed.FunctionUrlConfigs?.length, 2);
    const updated = await k.lambda.send(
      new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE' }),
    );
    assert.equal(updated.AuthType, 'NONE');
    await k.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' }));
    await assert.rejects(
      k.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' })),
      ResourceNotFoundException,
    );
    const gone = await fetch(String(live.FunctionUrl));
    assert.equal(gone.status, 403);
  });

  it('maps the request to the payload format 2.0 event', async () => {
    const res = await fetch(`${url}some/path?mode=echo&a=1&a=2&b=x%20y`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: 'c1=v1; c2=v2',
        'x-multi': 'one',
        'user-agent': 'kindling-test',
      },
      body: JSON.stringify({ hello: 'url' }),
    });
    assert.equal(res.status, 200);
    const event = (await res.json()) as UrlEvent;
    assert.equal(event.version, '2.0');
    assert.equal(event.routeKey, '$default');
    assert.equal(event.rawPath, '/some/path');
    // Passed through exactly as the client sent it, as Lambda does.
    assert.equal(event.rawQueryString, 'mode=echo&a=1&a=2&b=x%20y');
    assert.deepEqual(event.queryStringParameters, { mode: 'echo', a: '1,2', b: 'x y' });
    assert.deepEqual(event.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(event.headers['x-multi'], 'one');
    assert.equal(event.headers.cookie, undefined);
    assert.equal(event.body, '{"hello":"url"}');
    assert.equal(event.isBase64Encoded, false);
    const ctx = event.requestContext;
    assert.equal(ctx.http.method, 'POST');
    assert.equal(ctx.http.path, '/some/path');
    assert.equal(ctx.http.userAgent, 'kindling-test');
    assert.equal(ctx.http.protocol, 'HTTP/1.1');
    assert.equal(ctx.stage, '$default');
    assert.equal(ctx.accountId, 'anonymous');
    assert.equal(ctx.apiId, url.split('/')[4]);
    assert.equal(ctx.requestId, res.headers.get('x-amzn-requestid'));
    assert.match(ctx.time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.ok(Math.abs(ctx.timeEpoch - Date.now()) < 60_000);
  });

  it('passes binary request bodies base64-encoded and returns binary responses with cookies', async () => {
    const bytes = Buffer.from([0, 159, 146, 150, 255]);
    const echo = await fetch(`${url}?mode=echo`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const event = (await echo.json()) as { body: string; isBase64Encoded: boolean };
    assert.equal(event.isBase64Encoded, true);
    assert.deepEqual(Buffer.from(event.body, 'base64'), bytes);

    const res = await fetch(`${url}?mode=binary`);
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from([0, 1, 2, 253, 254, 255]));
    assert.deepEqual(res.headers.getSetCookie(), [
      'a=1; Path=/',
      'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT',
    ]);
  });

  it('infers responses as Lambda does: a bare string or an object without statusCode is a 200 JSON body', async () => {
    const bare = await fetch(`${url}?mode=bare`);
    assert.equal(bare.status, 200);
    assert.equal(bare.headers.get('content-type'), 'application/json');
    assert.equal(await bare.text(), 'just a string');
    const object = await fetch(`${url}?mode=object`);
    assert.deepEqual(await object.json(), { hello: 'world' });
  });

  it('answers 502 for function errors', async () => {
    const res = await fetch(`${url}?mode=error`);
    assert.equal(res.status, 502);
    assert.equal(await res.text(), 'Internal Server Error');
  });

  it('honours CORS: answers preflights and adds headers for allowed origins only', async () => {
    const pre = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(pre.headers.get('access-control-allow-methods'), 'GET,POST');
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-custom');
    assert.equal(pre.headers.get('access-control-max-age'), '300');
    const denied = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
    const res = await fetch(`${url}?mode=binary`, { headers: { origin: 'https://app.example' } });
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(res.headers.get('access-control-expose-headers'), 'x-kind');
  });

  it('requires a valid SigV4 signature (service lambda) for AWS_IAM URLs', async () => {
    await createEventFunction(k.lambda, 'private');
    const created = await k.lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'private', AuthType: 'AWS_IAM' }),
    );
    const target = new URL(`${created.FunctionUrl}secure?mode=echo`);
    assert.equal((await fetch(target)).status, 403);
    const sign = (service: string) =>
      signedFetch(
        { ...k, endpoint: target.origin },
        { method: 'GET', path: target.pathname, query: { mode: 'echo' }, service },
      );
    const ok = await sign('lambda');
    assert.equal(ok.status, 200);
    const event = (await ok.json()) as {
      requestContext: { accountId: string; authorizer: { iam: { accessKey: string } } };
    };
    assert.equal(event.requestContext.authorizer.iam.accessKey, k.credentials.accessKeyId);
    assert.equal(event.requestContext.accountId, '000000000000');
    assert.equal((await sign('s3')).status, 403);
  });
});
