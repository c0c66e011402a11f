import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Control, type ControlEvent, createControl } from '../../src/control/index.js';
import { LambdaServiceError } from '../../src/errors.js';
import { controlSchema, createSqliteStore } from '../../src/store/index.js';
import { openDatabase } from '../../src/store/sqlite/database.js';
import { handlerZip, makeZip, manyEntriesZip } from './zips.js';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/lambda-role`;
const ARN = (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;

async function expectError(
  work: Promise<unknown> | (() => unknown),
  code: string,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  await assert.rejects(
    async () => (typeof work === 'function' ? work() : work),
    (err: unknown) => {
      assert.ok(err instanceof LambdaServiceError, `expected a LambdaServiceError, got ${String(err)}`);
      assert.equal(err.code, code, err.message);
      assert.equal(err.status, status);
      if (typeof message === 'string') assert.equal(err.message, message);
      else if (message) assert.match(err.message, message);
      return true;
    },
  );
}

describe('control plane', () => {
  let dataDir: string;
  let control: Control;
  let events: ControlEvent[];
  let db: ReturnType<typeof openDatabase>;

  const open = () => {
    db = openDatabase(dataDir, [controlSchema]);
    control = createControl({
      store: createSqliteStore(db),
      dataDir,
      accountId: ACCOUNT,
      region: REGION,
      artifactGraceMs: 0,
    });
    control.subscribe((e) => events.push(e));
  };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'kindling-control-'));
    events = [];
    open();
  });
  after(() => {
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const create = async (name: string, extra: Record<string, unknown> = {}) =>
    control.createFunction({
      functionName: name,
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      role: ROLE,
      code: { zipFile: await handlerZip(`// ${name}`) },
      ...extra,
    });

  it('creates a function: Pending in the response, Active right after, defaults as AWS', async () => {
    const zip = await makeZip([
      { name: 'index.js', content: 'exports.handler = async () => 1;' },
      { name: 'bootstrap', content: '#!/bin/sh\n', mode: 0o100755 },
    ]);
    const created = await control.createFunction({
      functionName: 'alpha',
      runtime: 'provided.al2023',
      handler: 'index.handler',
      role: ROLE,
      code: { zipFile: zip },
      environment: { GREETING: 'hi' },
      tags: { team: 'core' },
    });
    assert.equal(created.state, 'Pending');
    assert.equal(created.stateReasonCode, 'Creating');
    assert.equal(created.lastUpdateStatus, undefined);
    assert.equal(created.functionArn, ARN('alpha'));
    assert.equal(created.version, '$LATEST');
    assert.equal(created.memorySize, 128);
    assert.equal(created.timeout, 3);
    assert.equal(created.ephemeralStorageSize, 512);
    assert.deepEqual(created.architectures, ['x86_64']);
    assert.deepEqual(created.logging, { logFormat: 'Text', logGroup: '/aws/lambda/alpha' });
    assert.equal(created.code.codeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(created.code.codeSize, zip.length);

    const details = control.getFunction('alpha');
    assert.equal(details.configuration.state, 'Active');
    assert.equal(details.configuration.lastUpdateStatus, 'Successful');
    assert.deepEqual(details.tags, { team: 'core' });

    const target = control.resolve('alpha', undefined);
    assert.equal(target.invokedFunctionArn, ARN('alpha'));
    const spec = target.candidates[0]?.spec;
    assert.ok(spec);
    assert.equal(spec.codeDir, join(dataDir, 'code', createHash('sha256').update(zip).digest('hex')));
    assert.equal(statSync(join(spec.codeDir, 'bootstrap')).mode & 0o111, 0o111);
    assert.deepEqual(spec.environment, { GREETING: 'hi' });
  });

  it('resolves every spelling of a function name, and refuses other regions', async () => {
    for (const spelling of ['alpha', `${ACCOUNT}:function:alpha`, ARN('alpha'), `${ARN('alpha')}:$LATEST`]) {
      assert.equal(control.getFunctionConfiguration(spelling).functionName, 'alpha');
    }
    assert.equal(control.resolve('alpha:$LATEST', undefined).invokedFunctionArn, `${ARN('alpha')}:$LATEST`);
    await expectError(
      () => control.getFunction('arn:aws:lambda:us-west-2:123456789012:function:alpha'),
      'ResourceNotFoundException',
      404,
      "Functions from 'us-west-2' are not reachable in this region ('eu-west-1')",
    );
    await expectError(
      () => control.getFunction('nope'),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('nope')}`,
    );
    await expectError(
      () => control.getFunction('alpha', '7'),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('alpha')}:7`,
    );
    await expectError(
      () => control.getFunction('bad name!'),
      'ValidationException',
      400,
      /at 'functionName' failed to satisfy constraint/,
    );
    await expectError(
      () => control.getFunction('alpha:1', '2'),
      'InvalidParameterValueException',
      400,
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  });

  it('validates configuration with AWS error types and messages', async () => {
    const zip = await handlerZip();
    const base = {
      functionName: 'v',
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      role: ROLE,
      code: { zipFile: zip },
    };
    await expectError(
      control.createFunction({ ...base, runtime: 'java21' }),
      'InvalidParameterValueException',
      400,
      /^Value java21 at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: \[nodejs18\.x, .*provided\.al2023\] or be a valid ARN$/,
    );
    await expectError(
      control.createFunction({ ...base, memorySize: 64, timeout: 901 }),
      'ValidationException',
      400,
      "2 validation errors detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128; Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900",
    );
    await expectError(
      control.createFunction({ ...base, ephemeralStorageSize: 20000 }),
      'ValidationException',
      400,
      /ephemeralStorage\.size/,
    );
    await expectError(
      control.createFunction({ ...base, description: 'x'.repeat(257) }),
      'ValidationException',
      400,
      /'description'/,
    );
    await expectError(
      control.createFunction({ ...base, handler: 'has space' }),
      'ValidationException',
      400,
      /'handler'.*\[\^\\s\]\+/,
    );
    await expectError(
      control.createFunction({ ...base, environment: { AWS_REGION: 'x', FOO: 'y' } }),
      'InvalidParameterValueException',
      400,
      'Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION',
    );
    await expectError(
      control.createFunction({ ...base, environment: { BIG: 'x'.repeat(4100) } }),
      'InvalidParameterValueException',
      400,
      /exceeded the 4KB limit\. String measured: \{"BIG":"x+"\}$/,
    );
    await expectError(
      control.createFunction({ ...base, packageType: 'Image' }),
      'InvalidParameterValueException',
      400,
      /PackageType Image/,
    );
    await expectError(
      control.createFunction({ ...base, code: { s3Bucket: 'b', s3Key: 'k' } }),
      'InvalidParameterValueException',
      400,
      /S3 code locations are not supported yet/,
    );
    await expectError(
      control.createFunction({ ...base, architectures: ['sparc'] }),
      'ValidationException',
      400,
      /'architectures'/,
    );
    await expectError(
      control.createFunction({ ...base, layers: ['a', 'b', 'c', 'd', 'e', 'f'] }),
      'InvalidParameterValueException',
      400,
      'Cannot reference more than 5 layers.',
    );
    const missingLayer = `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:missing:1`;
    await expectError(
      control.createFunction({ ...base, layers: [missingLayer] }),
      'InvalidParameterValueException',
      400,
      `Layer version ${missingLayer} does not exist.`,
    );
    await expectError(
      control.createFunction({ ...base, code: { zipFile: Buffer.from('definitely not a zip') } }),
      'InvalidParameterValueException',
      400,
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
    await expectError(
      control.createFunction({ ...base, code: { zipFile: manyEntriesZip(100_001) } }),
      'InvalidParameterValueException',
      400,
      'Could not unzip uploaded file. The archive holds more than 100000 entries.',
    );
    await expectError(
      control.createFunction({ ...base, code: { zipFile: Buffer.alloc(52_428_801) } }),
      'RequestEntityTooLargeException',
      413,
      'Request must be smaller than 70167211 bytes for the CreateFunction operation',
    );
    await expectError(
      control.createFunction({ ...base, functionName: 'alpha' }),
      'ResourceConflictException',
      409,
      'Function already exist: alpha',
    );
    await expectError(
      control.createFunction({ ...base, functionName: 'x'.repeat(65) }),
      'InvalidParameterValueException',
      400,
      /length less than or equal to 64/,
    );
    assert.equal(
      control.listFunctions({}).items.some((f) => f.functionName === 'v'),
      false,
    );
  });

  it('updates configuration and code with revision checks, and tells the worker', async () => {
    const before = control.getFunctionConfiguration('alpha');
    events.length = 0;
    await expectError(
      control.updateFunctionConfiguration('alpha', { memorySize: 256, revisionId: 'stale' }),
      'PreconditionFailedException',
      412,
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    const updated = await control.updateFunctionConfiguration('alpha', {
      memorySize: 256,
      environment: { AA: '1' },
      revisionId: before.revisionId,
    });
    assert.equal(updated.lastUpdateStatus, 'InProgress');
    assert.equal(updated.memorySize, 256);
    assert.notEqual(updated.revisionId, before.revisionId);
    assert.equal(control.getFunctionConfiguration('alpha').lastUpdateStatus, 'Successful');
    assert.deepEqual(events, [{ kind: 'function-updated', functionArn: ARN('alpha'), version: '$LATEST' }]);
    assert.equal(control.resolve('alpha', undefined).candidates[0]?.spec.memorySize, 256);

    const zip = await handlerZip('exports.handler = async () => 2;');
    const code = await control.updateFunctionCode('alpha', { code: { zipFile: zip } });
    assert.equal(code.code.codeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(code.lastUpdateStatus, 'InProgress');
    const spec = control.resolve('alpha', undefined).candidates[0]?.spec;
    assert.equal(
      readFileSync(join(spec?.codeDir ?? '', 'index.js'), 'utf8'),
      'exports.handler = async () => 2;',
    );
    // The previous archive is no longer referenced by anything, so it is gone.
    const previousHex = Buffer.from(before.code.codeSha256, 'base64').toString('hex');
    assert.equal(existsSync(join(dataDir, 'code', previousHex)), false);
    assert.equal(existsSync(join(dataDir, 'code', `${previousHex}.zip`)), false);
  });

  it('publishes versions: snapshots, no duplicate when nothing changed, CodeSha256 precondition', async () => {
    const latest = control.getFunctionConfiguration('alpha');
    await expectError(
      () => control.publishVersion('alpha', { codeSha256: 'wrong' }),
      'InvalidParameterValueException',
      400,
      `CodeSHA256 (wrong) is different from current CodeSHA256 in $LATEST (${latest.code.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    const v1 = control.publishVersion('alpha', { description: 'first' });
    assert.equal(v1.version, '1');
    assert.equal(v1.functionArn, `${ARN('alpha')}:1`);
    assert.equal(v1.description, 'first');
    assert.equal(control.publishVersion('alpha', {}).version, '1');
    await control.updateFunctionConfiguration('alpha', { timeout: 10 });
    assert.equal(control.publishVersion('alpha', {}).version, '2');
    assert.equal(control.resolve('alpha', '1').candidates[0]?.spec.timeout, 3);
    assert.equal(control.resolve('alpha:2', undefined).candidates[0]?.spec.timeout, 10);
    const versions = control.listVersionsByFunction('alpha', {}).items.map((v) => v.version);
    assert.deepEqual(versions, ['$LATEST', '1', '2']);
    const page = control.listVersionsByFunction('alpha', { maxItems: 2 });
    assert.equal(page.items.length, 2);
    assert.ok(page.nextMarker);
    assert.deepEqual(
      control.listVersionsByFunction('alpha', { marker: page.nextMarker }).items.map((v) => v.version),
      ['2'],
    );
  });

  it('routes aliases with weights and validates routing as AWS', async () => {
    const alias = control.createAlias('alpha', {
      name: 'live',
      functionVersion: '1',
      additionalVersionWeights: { '2': 0.25 },
    });
    assert.equal(alias.aliasArn, `${ARN('alpha')}:live`);
    const target = control.resolve('alpha', 'live');
    assert.equal(target.alias, 'live');
    assert.equal(target.invokedFunctionArn, `${ARN('alpha')}:live`);
    assert.deepEqual(
      target.candidates.map((c) => [c.spec.version, c.weight]),
      [
        ['1', 0.75],
        ['2', 0.25],
      ],
    );
    assert.equal(control.getFunctionConfiguration('alpha', 'live').functionArn, `${ARN('alpha')}:live`);
    await expectError(
      () => control.createAlias('alpha', { name: 'live', functionVersion: '1' }),
      'ResourceConflictException',
      409,
      `Alias already exists: ${ARN('alpha')}:live`,
    );
    await expectError(
      () =>
        control.createAlias('alpha', {
          name: 'x',
          functionVersion: '$LATEST',
          additionalVersionWeights: { '1': 0.5 },
        }),
      'InvalidParameterValueException',
      400,
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await expectError(
      () =>
        control.createAlias('alpha', {
          name: 'x',
          functionVersion: '1',
          additionalVersionWeights: { '2': 1.5 },
        }),
      'ValidationException',
      400,
      /Value '\{2=1\.5\}' at 'routingConfig\.additionalVersionWeights'/,
    );
    await expectError(
      () =>
        control.createAlias('alpha', {
          name: 'x',
          functionVersion: '1',
          additionalVersionWeights: { '2': 0.1, '3': 0.1 },
        }),
      'InvalidParameterValueException',
      400,
      'Number of items in AdditionalVersionWeights cannot be greater than 1',
    );
    await expectError(
      () =>
        control.createAlias('alpha', {
          name: 'x',
          functionVersion: '1',
          additionalVersionWeights: { '1': 0.1 },
        }),
      'InvalidParameterValueException',
      400,
      'Invalid function version 1. Function version 1 is already included in routing configuration.',
    );
    await expectError(
      () => control.getAlias('alpha', 'nope'),
      'ResourceNotFoundException',
      404,
      `Cannot find alias arn: ${ARN('alpha')}:nope`,
    );
    await expectError(
      () => control.resolve('alpha', 'nope'),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('alpha')}:nope`,
    );
    await expectError(
      () => control.deleteFunction('alpha', '2'),
      'ResourceConflictException',
      409,
      'Unable to delete version because the following aliases reference it: [live]',
    );
    const updated = control.updateAlias('alpha', 'live', {
      functionVersion: '2',
      additionalVersionWeights: {},
    });
    assert.equal(updated.additionalVersionWeights, undefined);
    assert.notEqual(updated.revisionId, alias.revisionId);
    assert.deepEqual(
      control.resolve('alpha', 'live').candidates.map((c) => c.spec.version),
      ['2'],
    );
    await expectError(
      () => control.updateAlias('alpha', 'live', { revisionId: alias.revisionId }),
      'PreconditionFailedException',
      412,
    );
    assert.deepEqual(
      control.listAliases('alpha', {}).items.map((a) => a.name),
      ['live'],
    );
  });

  it('publishes layers with numbers never reused, and functions see them in order', async () => {
    const l1 = await control.publishLayerVersion({
      layerName: 'deps',
      content: { zipFile: await makeZip([{ name: 'nodejs/node_modules/dep/index.js', content: 'v1' }]) },
      compatibleRuntimes: ['nodejs20.x'],
    });
    assert.equal(l1.version, 1);
    assert.equal(l1.layerVersionArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:layer:deps:1`);
    const l2 = await control.publishLayerVersion({
      layerName: 'deps',
      content: { zipFile: await makeZip([{ name: 'nodejs/node_modules/dep/index.js', content: 'v2' }]) },
    });
    assert.equal(l2.version, 2);
    await control.deleteLayerVersion('deps', 2);
    await expectError(
      () => control.getLayerVersion('deps', 2),
      'ResourceNotFoundException',
      404,
      'The resource you requested does not exist.',
    );
    const l3 = await control.publishLayerVersion({
      layerName: 'deps',
      content: { zipFile: await makeZip([{ name: 'nodejs/node_modules/dep/index.js', content: 'v3' }]) },
    });
    assert.equal(l3.version, 3);
    assert.equal(control.getLayerVersionByArn(l1.layerVersionArn).version, 1);
    assert.deepEqual(
      control.listLayerVersions('deps', {}).items.map((v) => v.version),
      [3, 1],
    );
    assert.deepEqual(
      control
        .listLayers({ compatibleRuntime: 'nodejs20.x' })
        .items.map((l) => l.latestMatchingVersion.version),
      [1],
    );

    const fn = await create('with-layers', { layers: [l1.layerVersionArn, l3.layerVersionArn].slice(0, 1) });
    assert.deepEqual(
      fn.layers.map((l) => l.arn),
      [l1.layerVersionArn],
    );
    await expectError(
      create('two-of-a-kind', { layers: [l1.layerVersionArn, l3.layerVersionArn] }),
      'InvalidParameterValueException',
      400,
      /Two different versions of the same layer/,
    );
    // A deleted layer version keeps working for the functions that use it.
    await control.deleteLayerVersion('deps', 1);
    const spec = control.resolve('with-layers', undefined).candidates[0]?.spec;
    assert.equal(spec?.layers.length, 1);
    assert.equal(
      readFileSync(join(spec?.layers[0]?.dir ?? '', 'nodejs/node_modules/dep/index.js'), 'utf8'),
      'v1',
    );
  });

  it('tags functions by ARN only', async () => {
    control.tagResource(ARN('alpha'), { env: 'prod' });
    assert.deepEqual(control.listTags(ARN('alpha')), { team: 'core', env: 'prod' });
    control.untagResource(ARN('alpha'), ['team']);
    assert.deepEqual(control.listTags(ARN('alpha')), { env: 'prod' });
    await expectError(
      () => control.tagResource(`${ARN('alpha')}:1`, { a: 'b' }),
      'InvalidParameterValueException',
      400,
      /Tags on aliases and versions are not supported/,
    );
    await expectError(() => control.listTags('alpha'), 'ValidationException', 400, /at 'resource'/);
    await expectError(
      () => control.listTags(ARN('ghost')),
      'ResourceNotFoundException',
      404,
      `Function not found: ${ARN('ghost')}`,
    );
  });

  it('survives a restart with everything in place', async () => {
    const settings = control.getAccountSettings();
    assert.equal(settings.accountLimit.codeSizeUnzipped, 262_144_000);
    assert.equal(settings.accountUsage.functionCount, 2);
    db.close();
    open();
    assert.deepEqual(
      control.listFunctions({}).items.map((f) => f.functionName),
      ['alpha', 'with-layers'],
    );
    assert.deepEqual(
      control.listFunctions({ functionVersion: 'ALL' }).items.map((f) => f.functionArn),
      [`${ARN('alpha')}:$LATEST`, `${ARN('alpha')}:1`, `${ARN('alpha')}:2`, `${ARN('with-layers')}:$LATEST`],
    );
    assert.equal(control.resolve('alpha', 'live').candidates[0]?.spec.version, '2');
    const layerZip = await handlerZip('// layer four');
    assert.equal(
      (await control.publishLayerVersion({ layerName: 'deps', content: { zipFile: layerZip } })).version,
      4,
    );
    assert.equal(
      control.getAccountSettings().accountUsage.totalCodeSize,
      settings.accountUsage.totalCodeSize + layerZip.length,
    );
  });

  it('deletes versions and functions, emitting events and dropping unreferenced code', async () => {
    events.length = 0;
    await expectError(
      control.deleteFunction('alpha', '$LATEST'),
      'InvalidParameterValueException',
      400,
      '$LATEST version cannot be deleted without deleting the function.',
    );
    control.deleteAlias('alpha', 'live');
    await control.deleteFunction('alpha', '1');
    assert.deepEqual(events, [{ kind: 'version-deleted', functionArn: ARN('alpha'), version: '1' }]);
    const codeDir = control.resolve('alpha', undefined).candidates[0]?.spec.codeDir ?? '';
    await control.deleteFunction(ARN('alpha'));
    assert.deepEqual(events[1], { kind: 'function-deleted', functionArn: ARN('alpha') });
    await expectError(() => control.resolve('alpha', undefined), 'ResourceNotFoundException', 404);
    assert.equal(existsSync(codeDir), false);
  });
});
