// The management API end to end: a real server, the AWS SDK for JavaScript v3, every control-plane
// operation and every error type a user can meet, checked as the SDK parses them.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteLayerVersionCommand,
  GetAccountSettingsCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  LambdaClient,
  ListAliasesCommand,
  ListFunctionsCommand,
  ListLayerVersionsCommand,
  ListLayersCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  PublishLayerVersionCommand,
  PublishVersionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { handlerZip, makeZip } from '../control/zips.js';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { signedFetch } from '../helpers/signed-fetch.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const LAMBDA_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface SdkError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}

/** Runs `work` and checks the error as the SDK parsed it: name, HTTP status, message. */
async function expectSdkError(
  work: Promise<unknown>,
  name: string,
  status: number,
  message?: string | RegExp,
) {
  await assert.rejects(work, (err: unknown) => {
    const e = err as SdkError;
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata?.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

describe('management API (AWS SDK v3)', { timeout: 120_000 }, () => {
  let kindling: KindlingHandle;
  let lambda: LambdaClient;
  let accountArn: (name: string) => string;
  const zipV1 = handlerZip('exports.handler = async () => "v1";');

  before(async () => {
    kindling = await startKindling();
    lambda = kindling.lambda;
  });
  after(async () => {
    lambda?.destroy();
    await kindling?.stop();
  });

  it('CreateFunction answers 201, Pending, with AWS defaults; GetFunction shows Active', async () => {
    const zip = await zipV1;
    const created = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'mgmt-one',
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        Environment: { Variables: { GREETING: 'hello' } },
        Tags: { team: 'core' },
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    accountArn = (name) => created.FunctionArn?.replace(/mgmt-one$/, name) ?? '';
    assert.match(created.FunctionArn ?? '', /^arn:aws:lambda:us-east-1:\d{12}:function:mgmt-one$/);
    assert.equal(created.State, 'Pending');
    assert.equal(created.StateReasonCode, 'Creating');
    assert.equal(created.Version, '$LATEST');
    assert.equal(created.MemorySize, 128);
    assert.equal(created.Timeout, 3);
    assert.equal(created.PackageType, 'Zip');
    assert.deepEqual(created.Architectures, ['x86_64']);
    assert.deepEqual(created.EphemeralStorage, { Size: 512 });
    assert.deepEqual(created.TracingConfig, { Mode: 'PassThrough' });
    assert.deepEqual(created.SnapStart, { ApplyOn: 'None', OptimizationStatus: 'Off' });
    assert.deepEqual(created.LoggingConfig, { LogFormat: 'Text', LogGroup: '/aws/lambda/mgmt-one' });
    assert.deepEqual(created.Environment?.Variables, { GREETING: 'hello' });
    assert.equal(created.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(created.CodeSize, zip.length);
    assert.match(created.LastModified ?? '', LAMBDA_DATE);
    assert.match(created.RevisionId ?? '', UUID);
    assert.equal(created.MasterArn, undefined);

    const got = await lambda.send(new GetFunctionCommand({ FunctionName: 'mgmt-one' }));
    assert.equal(got.Configuration?.State, 'Active');
    assert.equal(got.Configuration?.LastUpdateStatus, 'Successful');
    assert.deepEqual(got.Tags, { team: 'core' });
    assert.equal(got.Code?.RepositoryType, 'S3');

    // Code.Location downloads the exact archive without credentials; a forged token does not.
    const location = got.Code?.Location ?? '';
    const download = await fetch(location);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), zip);
    const forged = location.replace(/token=[0-9a-f]/, (m) =>
      m.endsWith('0') ? `${m.slice(0, -1)}1` : `${m.slice(0, -1)}0`,
    );
    assert.equal((await fetch(forged)).status, 403);
  });

  it('GetFunctionConfiguration accepts every FunctionName spelling', async () => {
    for (const name of [
      'mgmt-one',
      accountArn('mgmt-one'),
      accountArn('mgmt-one').split(':').slice(4).join(':'),
    ]) {
      const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      assert.equal(c.FunctionName, 'mgmt-one');
      assert.equal(c.FunctionArn, accountArn('mgmt-one'));
    }
    const q = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'mgmt-one', Qualifier: '$LATEST' }),
    );
    assert.equal(q.FunctionArn, `${accountArn('mgmt-one')}:$LATEST`);
  });

  it('answers every error type as the SDK expects', async () => {
    const zip = await zipV1;
    const base = {
      Runtime: 'nodejs20.x' as const,
      Role: ROLE,
      Handler: 'index.handler',
      Code: { ZipFile: zip },
    };
    await expectSdkError(
      lambda.send(new GetFunctionCommand({ FunctionName: 'ghost' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${accountArn('ghost')}`,
    );
    await expectSdkError(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'mgmt-one', ...base })),
      'ResourceConflictException',
      409,
      'Function already exist: mgmt-one',
    );
    await expectSdkError(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'bad-runtime',
          ...base,
          Runtime: 'cobol85' as 'nodejs20.x',
        }),
      ),
      'InvalidParameterValueException',
      400,
      /^Value cobol85 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[.*\] or be a valid ARN$/,
    );
    await expectSdkError(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'bad-memory', ...base, MemorySize: 100 })),
      'ValidationException',
      400,
      "1 validation error detected: Value '100' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128",
    );
    await expectSdkError(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'bad-timeout', ...base, Timeout: 901 })),
      'ValidationException',
      400,
      /at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900/,
    );
    await expectSdkError(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'bad-env',
          ...base,
          Environment: { Variables: { AWS_REGION: 'x' } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      /contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION$/,
    );
    await expectSdkError(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'bad-zip',
          ...base,
          Code: { ZipFile: Buffer.from('nope') },
        }),
      ),
      'InvalidParameterValueException',
      400,
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    await expectSdkError(
      lambda.send(
        new CreateFunctionCommand({ FunctionName: 'bad-s3', ...base, Code: { S3Bucket: 'b', S3Key: 'k' } }),
      ),
      'InvalidParameterValueException',
      400,
      /S3 code locations are not supported yet/,
    );
    await expectSdkError(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'bad-image', ...base, PackageType: 'Image' })),
      'InvalidParameterValueException',
      400,
      /PackageType Image is not supported/,
    );
    await expectSdkError(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'too-big',
          ...base,
          Code: { ZipFile: Buffer.alloc(52_428_801) },
        }),
      ),
      'RequestEntityTooLargeException',
      413,
      'Request must be smaller than 70167211 bytes for the CreateFunction operation',
    );
    await expectSdkError(
      lambda.send(
        new UpdateFunctionConfigurationCommand({ FunctionName: 'mgmt-one', RevisionId: 'stale', Timeout: 5 }),
      ),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    await expectSdkError(
      lambda.send(new GetFunctionCommand({ FunctionName: 'not a valid name' })),
      'ValidationException',
      400,
      /^1 validation error detected: Value 'not a valid name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    );
    const notJson = await signedFetch(kindling, {
      method: 'POST',
      path: '/2015-03-31/functions',
      headers: { 'content-type': 'application/json' },
      body: '{not json',
    });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.headers.get('x-amzn-errortype')?.split(':')[0], 'InvalidRequestContentException');
  });

  it('UpdateFunctionCode and UpdateFunctionConfiguration report InProgress, then Successful', async () => {
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'mgmt-one' }));
    const config = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'mgmt-one',
        MemorySize: 256,
        Description: 'updated',
        RevisionId: current.RevisionId,
      }),
    );
    assert.equal(config.$metadata.httpStatusCode, 200);
    assert.equal(config.LastUpdateStatus, 'InProgress');
    assert.equal(config.MemorySize, 256);
    assert.notEqual(config.RevisionId, current.RevisionId);

    const zip = await handlerZip('exports.handler = async () => "v2";');
    const code = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'mgmt-one', ZipFile: zip }));
    assert.equal(code.LastUpdateStatus, 'InProgress');
    assert.equal(code.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'mgmt-one' }));
    assert.equal(after.LastUpdateStatus, 'Successful');
    assert.equal(after.Description, 'updated');
  });

  it('PublishVersion and ListVersionsByFunction', async () => {
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'mgmt-one', Description: 'one' }));
    assert.equal(v1.$metadata.httpStatusCode, 201);
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${accountArn('mgmt-one')}:1`);
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'mgmt-one' }));
    assert.equal(again.Version, '1');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'mgmt-one', Timeout: 7 }));
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: 'mgmt-one' }));
    assert.equal(v2.Version, '2');
    await expectSdkError(
      lambda.send(new PublishVersionCommand({ FunctionName: 'mgmt-one', CodeSha256: 'nope' })),
      'InvalidParameterValueException',
      400,
      /^CodeSHA256 \(nope\) is different from current CodeSHA256 in \$LATEST/,
    );
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'mgmt-one' }));
    assert.deepEqual(
      versions.Versions?.map((v) => [v.Version, v.FunctionArn]),
      [
        ['$LATEST', `${accountArn('mgmt-one')}:$LATEST`],
        ['1', `${accountArn('mgmt-one')}:1`],
        ['2', `${accountArn('mgmt-one')}:2`],
      ],
    );
    const one = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'mgmt-one', Qualifier: '1' }),
    );
    assert.equal(one.Timeout, 3);
  });

  it('aliases: create, get, update, list, delete, with routing validation', async () => {
    const created = await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'mgmt-one',
        Name: 'live',
        FunctionVersion: '1',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
      }),
    );
    assert.equal(created.$metadata.httpStatusCode, 201);
    assert.equal(created.AliasArn, `${accountArn('mgmt-one')}:live`);
    assert.deepEqual(created.RoutingConfig?.AdditionalVersionWeights, { '2': 0.1 });
    const got = await lambda.send(new GetAliasCommand({ FunctionName: 'mgmt-one', Name: 'live' }));
    assert.equal(got.RevisionId, created.RevisionId);
    const updated = await lambda.send(
      new UpdateAliasCommand({
        FunctionName: 'mgmt-one',
        Name: 'live',
        FunctionVersion: '2',
        RoutingConfig: {},
      }),
    );
    assert.equal(updated.FunctionVersion, '2');
    assert.equal(updated.RoutingConfig, undefined);
    const viaAlias = await lambda.send(
      new GetFunctionCommand({ FunctionName: 'mgmt-one', Qualifier: 'live' }),
    );
    assert.equal(viaAlias.Configuration?.FunctionArn, `${accountArn('mgmt-one')}:live`);
    assert.equal(viaAlias.Configuration?.Version, '2');
    const listed = await lambda.send(new ListAliasesCommand({ FunctionName: 'mgmt-one' }));
    assert.deepEqual(
      listed.Aliases?.map((a) => a.Name),
      ['live'],
    );
    await expectSdkError(
      lambda.send(
        new CreateAliasCommand({
          FunctionName: 'mgmt-one',
          Name: 'broken',
          FunctionVersion: '$LATEST',
          RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await expectSdkError(
      lambda.send(new CreateAliasCommand({ FunctionName: 'mgmt-one', Name: 'live', FunctionVersion: '1' })),
      'ResourceConflictException',
      409,
      `Alias already exists: ${accountArn('mgmt-one')}:live`,
    );
    await expectSdkError(
      lambda.send(
        new UpdateAliasCommand({ FunctionName: 'mgmt-one', Name: 'live', RevisionId: created.RevisionId }),
      ),
      'PreconditionFailedException',
      412,
    );
    const deleted = await lambda.send(new DeleteAliasCommand({ FunctionName: 'mgmt-one', Name: 'live' }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
    await expectSdkError(
      lambda.send(new GetAliasCommand({ FunctionName: 'mgmt-one', Name: 'live' })),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${accountArn('mgmt-one')}:live`,
    );
  });

  it('layers: publish, get, get by ARN, list, delete; functions reference them', async () => {
    const content = await makeZip([
      { name: 'nodejs/node_modules/greet/index.js', content: 'module.exports = 1;' },
    ]);
    const l1 = await lambda.send(
      new PublishLayerVersionCommand({
        LayerName: 'mgmt-layer',
        Content: { ZipFile: content },
        CompatibleRuntimes: ['nodejs20.x'],
        Description: 'greeting',
      }),
    );
    assert.equal(l1.$metadata.httpStatusCode, 201);
    assert.equal(l1.Version, 1);
    assert.match(l1.LayerVersionArn ?? '', /:layer:mgmt-layer:1$/);
    assert.equal(l1.Content?.CodeSha256, createHash('sha256').update(content).digest('base64'));
    assert.deepEqual(Buffer.from(await (await fetch(l1.Content?.Location ?? '')).arrayBuffer()), content);
    const got = await lambda.send(new GetLayerVersionCommand({ LayerName: 'mgmt-layer', VersionNumber: 1 }));
    assert.equal(got.Description, 'greeting');
    const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: l1.LayerVersionArn }));
    assert.equal(byArn.Version, 1);
    const l2 = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: 'mgmt-layer', Content: { ZipFile: content } }),
    );
    assert.equal(l2.Version, 2);
    const layers = await lambda.send(new ListLayersCommand({}));
    assert.deepEqual(
      layers.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]),
      [['mgmt-layer', 2]],
    );
    const versions = await lambda.send(new ListLayerVersionsCommand({ LayerName: 'mgmt-layer' }));
    assert.deepEqual(
      versions.LayerVersions?.map((v) => v.Version),
      [2, 1],
    );
    const del = await lambda.send(
      new DeleteLayerVersionCommand({ LayerName: 'mgmt-layer', VersionNumber: 2 }),
    );
    assert.equal(del.$metadata.httpStatusCode, 204);
    await expectSdkError(
      lambda.send(new GetLayerVersionCommand({ LayerName: 'mgmt-layer', VersionNumber: 2 })),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    const l3 = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: 'mgmt-layer', Content: { ZipFile: content } }),
    );
    assert.equal(l3.Version, 3);

    const withLayer = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'mgmt-one',
        Layers: [l1.LayerVersionArn ?? ''],
      }),
    );
    assert.deepEqual(withLayer.Layers, [{ Arn: l1.LayerVersionArn, CodeSize: content.length }]);
    const missing = (l1.LayerVersionArn ?? '').replace(/:1$/, ':99');
    await expectSdkError(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'mgmt-one', Layers: [missing] })),
      'InvalidParameterValueException',
      400,
      `Layer version ${missing} does not exist.`,
    );
  });

  it('tags: TagResource, UntagResource, ListTags', async () => {
    const arn = accountArn('mgmt-one');
    const tagged = await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { env: 'test' } }));
    assert.equal(tagged.$metadata.httpStatusCode, 204);
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags, {
      team: 'core',
      env: 'test',
    });
    const untagged = await lambda.send(new UntagResourceCommand({ Resource: arn, TagKeys: ['team'] }));
    assert.equal(untagged.$metadata.httpStatusCode, 204);
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: arn }))).Tags, { env: 'test' });
    await expectSdkError(
      lambda.send(new TagResourceCommand({ Resource: `${arn}:1`, Tags: { a: 'b' } })),
      'InvalidParameterValueException',
      400,
      /Tags on aliases and versions are not supported/,
    );
  });

  it('ListFunctions pages with Marker/MaxItems and lists all versions with FunctionVersion=ALL', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'mgmt-two',
        Runtime: 'python3.12',
        Role: ROLE,
        Handler: 'app.handler',
        Code: { ZipFile: await makeZip([{ name: 'app.py', content: 'def handler(e, c):\n    return 1\n' }]) },
      }),
    );
    const first = await lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    assert.deepEqual(
      first.Functions?.map((f) => f.FunctionName),
      ['mgmt-one'],
    );
    assert.ok(first.NextMarker);
    assert.equal(first.Functions?.[0]?.State, undefined);
    const second = await lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: first.NextMarker }));
    assert.deepEqual(
      second.Functions?.map((f) => f.FunctionName),
      ['mgmt-two'],
    );
    assert.equal(second.NextMarker, undefined);
    const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.deepEqual(
      all.Functions?.map((f) => f.FunctionArn?.split(':').slice(6).join(':')),
      ['mgmt-one:$LATEST', 'mgmt-one:1', 'mgmt-one:2', 'mgmt-two:$LATEST'],
    );
  });

  it('GetAccountSettings reports limits and usage', async () => {
    const s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit?.TotalCodeSize, 80_530_636_800);
    assert.equal(s.AccountLimit?.CodeSizeUnzipped, 262_144_000);
    assert.equal(s.AccountLimit?.CodeSizeZipped, 52_428_800);
    assert.ok((s.AccountLimit?.ConcurrentExecutions ?? 0) > 0);
    assert.equal(s.AccountUsage?.FunctionCount, 2);
    assert.ok((s.AccountUsage?.TotalCodeSize ?? 0) > 0);
  });

  it('keeps everything across a restart', async () => {
    const readyLines = () =>
      [...kindling.output().matchAll(/ready at (http:\/\/\S+)/g)].map((m) => m[1] ?? '');
    const before = readyLines().length;
    await kindling.restart();
    // The server comes back on another port: wait for its new announcement and use that address.
    const deadline = Date.now() + 30_000;
    while (readyLines().length <= before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const endpoint = readyLines().pop() ?? kindling.endpoint;
    lambda = new LambdaClient({
      endpoint,
      region: kindling.region,
      credentials: kindling.credentials,
      maxAttempts: 1,
    });
    const c = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'mgmt-one', Qualifier: '2' }),
    );
    assert.equal(c.Timeout, 7);
    const listed = await lambda.send(new ListFunctionsCommand({}));
    assert.deepEqual(
      listed.Functions?.map((f) => f.FunctionName),
      ['mgmt-one', 'mgmt-two'],
    );
  });

  it('DeleteFunction removes a version, then the function', async () => {
    const v = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'mgmt-one', Qualifier: '1' }));
    assert.equal(v.$metadata.httpStatusCode, 204);
    await expectSdkError(
      lambda.send(new GetFunctionCommand({ FunctionName: 'mgmt-one', Qualifier: '1' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${accountArn('mgmt-one')}:1`,
    );
    await expectSdkError(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'mgmt-one', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    const gone = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'mgmt-one' }));
    assert.equal(gone.$metadata.httpStatusCode, 204);
    await expectSdkError(
      lambda.send(new GetFunctionCommand({ FunctionName: 'mgmt-one' })),
      'ResourceNotFoundException',
      404,
    );
    await expectSdkError(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'mgmt-one' })),
      'ResourceNotFoundException',
      404,
      `Function not found: ${accountArn('mgmt-one')}`,
    );
  });
});
