// Malformed input never makes the server fail: every request below, signed as a real client would sign it,
// is answered with a Lambda-shaped 4xx (the error type in x-amzn-ErrorType and the body, as the wire contract
// §2.4 has it), never a 500 ServiceException. Where AWS's answer is known, its status and type are checked.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  ListTagsCommand,
  PublishVersionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-lambda';
import { handlerZip } from '../control/zips.js';
import { type KindlingHandle, startKindling } from '../helpers/server.js';
import { signedFetch } from '../helpers/signed-fetch.js';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const FN = 'fuzz';

interface Case {
  readonly name: string;
  readonly method: string;
  /** Path as sent on the wire (already percent-encoded). */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  /** Signing name; Lambda's unless said. */
  readonly service?: string;
  /** Expected status and error type; a bare 4xx when AWS's exact answer is not pinned down. */
  readonly status: number | '4xx';
  readonly type?: string;
}

const fn = (suffix = '') => `/2015-03-31/functions/${FN}${suffix}`;
const create = (fields: Record<string, unknown>) =>
  JSON.stringify({
    FunctionName: 'fuzz-new',
    Runtime: 'nodejs20.x',
    Role: ROLE,
    Handler: 'index.handler',
    Code: { ZipFile: 'UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==' },
    ...fields,
  });
/** A value nesting `depth` levels: harmless to JSON.parse, fatal to anything that recurses over it. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const deep = (depth: number) => `{"FunctionName":"x","Tags":${nested(depth)}}`;
const schedule = (target: string) =>
  `{"ScheduleExpression":"rate(1 hour)","FlexibleTimeWindow":{"Mode":"OFF"},"Target":{"Arn":"arn:aws:lambda:us-east-1:000000000000:function:fuzz","RoleArn":"arn:aws:iam::000000000000:role/r"${target}}}`;

const IRCE = 'InvalidRequestContentException';
const IPVE = 'InvalidParameterValueException';
const VALIDATION = 'ValidationException';
const NOT_FOUND = 'ResourceNotFoundException';

// biome-ignore format: one case a line reads as the table it is
const CASES: readonly Case[] = [
  // ---- bodies that are not the operation's JSON object ----
  { name: 'truncated JSON', method: 'POST', path: '/2015-03-31/functions', body: '{"FunctionName":', status: 400, type: IRCE },
  { name: 'a JSON array', method: 'POST', path: '/2015-03-31/functions', body: '[]', status: 400, type: IRCE },
  { name: 'a JSON string', method: 'POST', path: '/2015-03-31/functions', body: '"fn"', status: 400, type: IRCE },
  { name: 'JSON null', method: 'POST', path: '/2015-03-31/functions', body: 'null', status: 400, type: IRCE },
  { name: 'invalid UTF-8', method: 'POST', path: '/2015-03-31/functions', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), status: 400, type: IRCE },
  { name: 'deeply nested JSON', method: 'POST', path: '/2015-03-31/functions', body: deep(200_000), status: 400, type: IRCE },
  { name: 'FunctionName a number', method: 'POST', path: '/2015-03-31/functions', body: create({ FunctionName: 5 }), status: 400, type: IRCE },
  { name: 'MemorySize a string', method: 'POST', path: '/2015-03-31/functions', body: create({ MemorySize: 'lots' }), status: 400, type: IRCE },
  { name: 'MemorySize past any integer', method: 'POST', path: '/2015-03-31/functions', body: create({ MemorySize: 'PLACEHOLDER' }).replace('"PLACEHOLDER"', '1e400'), status: 400, type: IRCE },
  { name: 'MemorySize past a 32-bit integer', method: 'POST', path: '/2015-03-31/functions', body: create({ MemorySize: 'PLACEHOLDER' }).replace('"PLACEHOLDER"', '99999999999999999999'), status: 400, type: IRCE },
  { name: 'Timeout negative', method: 'POST', path: '/2015-03-31/functions', body: create({ Timeout: -1 }), status: 400, type: VALIDATION },
  { name: 'EphemeralStorage.Size a string', method: 'POST', path: '/2015-03-31/functions', body: create({ EphemeralStorage: { Size: 'big' } }), status: 400, type: IRCE },
  { name: 'Environment value a number', method: 'POST', path: '/2015-03-31/functions', body: create({ Environment: { Variables: { A: 5 } } }), status: 400, type: IRCE },
  { name: 'ZipFile not base64', method: 'POST', path: '/2015-03-31/functions', body: create({ Code: { ZipFile: '!!!' } }), status: 400, type: IRCE },
  { name: 'unknown runtime', method: 'POST', path: '/2015-03-31/functions', body: create({ Runtime: 'cobol85' }), status: 400, type: IPVE },
  { name: 'unknown architecture', method: 'POST', path: '/2015-03-31/functions', body: create({ Architectures: ['sparc'] }), status: 400, type: VALIDATION },
  { name: 'unknown tracing mode', method: 'POST', path: '/2015-03-31/functions', body: create({ TracingConfig: { Mode: 'Sometimes' } }), status: 400, type: VALIDATION },
  { name: 'unknown log format', method: 'POST', path: '/2015-03-31/functions', body: create({ LoggingConfig: { LogFormat: 'XML' } }), status: 400, type: VALIDATION },
  { name: 'unknown package type', method: 'POST', path: '/2015-03-31/functions', body: create({ PackageType: 'Tarball' }), status: 400, type: VALIDATION },
  { name: 'unknown SnapStart ApplyOn', method: 'POST', path: '/2015-03-31/functions', body: create({ SnapStart: { ApplyOn: 'Always' } }), status: 400, type: VALIDATION },
  { name: 'a layer that is not an ARN', method: 'POST', path: '/2015-03-31/functions', body: create({ Layers: ['not-an-arn'] }), status: '4xx' },
  { name: 'a dead-letter target that is not an ARN', method: 'POST', path: '/2015-03-31/functions', body: create({ DeadLetterConfig: { TargetArn: 'nope' } }), status: '4xx' },
  { name: 'a KMS key that is not an ARN', method: 'POST', path: '/2015-03-31/functions', body: create({ KMSKeyArn: 'nope' }), status: '4xx' },
  { name: 'a role that is not an ARN', method: 'POST', path: '/2015-03-31/functions', body: create({ Role: 'admin' }), status: 400, type: VALIDATION },
  { name: 'a handler with a space', method: 'POST', path: '/2015-03-31/functions', body: create({ Handler: 'index handler' }), status: 400, type: VALIDATION },
  { name: 'a name in Unicode', method: 'POST', path: '/2015-03-31/functions', body: create({ FunctionName: 'fünction' }), status: 400, type: IPVE },
  { name: 'a name with a right-to-left override', method: 'POST', path: '/2015-03-31/functions', body: create({ FunctionName: 'fn\u202egnp' }), status: 400, type: IPVE },
  { name: 'an empty name', method: 'POST', path: '/2015-03-31/functions', body: create({ FunctionName: '' }), status: 400, type: IPVE },
  { name: 'a 200-character name', method: 'POST', path: '/2015-03-31/functions', body: create({ FunctionName: 'a'.repeat(200) }), status: 400, type: IPVE },
  { name: 'Description a number', method: 'PUT', path: fn('/configuration'), body: '{"Description":5}', status: 400, type: IRCE },
  { name: 'Publish a string', method: 'PUT', path: fn('/code'), body: '{"Publish":"yes"}', status: 400, type: IRCE },
  { name: 'PublishVersion CodeSha256 a number', method: 'POST', path: fn('/versions'), body: '{"CodeSha256":1}', status: 400, type: IRCE },

  // ---- path parameters ----
  { name: 'a function name in Unicode', method: 'GET', path: `/2015-03-31/functions/${encodeURIComponent('fünction')}`, status: 400, type: VALIDATION },
  { name: 'a function name with a NUL', method: 'GET', path: '/2015-03-31/functions/fn%00x', status: 400, type: VALIDATION },
  { name: 'a function name of 300 characters', method: 'GET', path: `/2015-03-31/functions/${'a'.repeat(300)}`, status: 400, type: VALIDATION },
  { name: 'a function name with an odd qualifier', method: 'GET', path: '/2015-03-31/functions/fuzz:%21%21', status: 400, type: VALIDATION },
  { name: 'a malformed percent-encoding', method: 'GET', path: '/2015-03-31/functions/fuzz%E0%A4%A', status: '4xx' },
  { name: 'a layer version that is not a number', method: 'GET', path: '/2018-10-31/layers/lyr/versions/abc', status: 400, type: VALIDATION },
  { name: 'a layer version past any integer', method: 'GET', path: '/2018-10-31/layers/lyr/versions/99999999999999999999999', status: '4xx' },
  { name: 'a layer name in Unicode', method: 'GET', path: `/2018-10-31/layers/${encodeURIComponent('lÿr')}/versions`, status: 400, type: VALIDATION },
  { name: 'tags of something that is not an ARN', method: 'GET', path: '/2017-03-31/tags/garbage', status: '4xx' },
  { name: 'an alias name in Unicode', method: 'GET', path: `${fn('/aliases/')}${encodeURIComponent('ünicode')}`, status: 400, type: VALIDATION },

  // ---- query parameters ----
  { name: 'ListFunctions MaxItems=abc', method: 'GET', path: '/2015-03-31/functions/', query: { MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'ListFunctions MaxItems=0', method: 'GET', path: '/2015-03-31/functions/', query: { MaxItems: '0' }, status: 400, type: VALIDATION },
  { name: 'ListFunctions MaxItems huge', method: 'GET', path: '/2015-03-31/functions/', query: { MaxItems: '99999999999999999999999' }, status: 400, type: VALIDATION },
  { name: 'ListFunctions Marker=garbage', method: 'GET', path: '/2015-03-31/functions/', query: { Marker: 'garbage' }, status: 400, type: IPVE },
  { name: 'ListFunctions Marker of odd bytes', method: 'GET', path: '/2015-03-31/functions/', query: { Marker: '\u0000\uffff' }, status: 400, type: IPVE },
  { name: 'ListFunctions FunctionVersion=SOME', method: 'GET', path: '/2015-03-31/functions/', query: { FunctionVersion: 'SOME' }, status: 400, type: VALIDATION },
  { name: 'ListVersionsByFunction MaxItems=abc', method: 'GET', path: fn('/versions'), query: { MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'ListVersionsByFunction Marker=garbage', method: 'GET', path: fn('/versions'), query: { Marker: 'garbage' }, status: 400, type: IPVE },
  { name: 'ListAliases MaxItems=1.5', method: 'GET', path: fn('/aliases'), query: { MaxItems: '1.5' }, status: 400, type: VALIDATION },
  { name: 'ListAliases FunctionVersion odd', method: 'GET', path: fn('/aliases'), query: { FunctionVersion: '!!' }, status: 400, type: VALIDATION },
  { name: 'ListLayers MaxItems=abc', method: 'GET', path: '/2018-10-31/layers', query: { MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'ListLayers CompatibleRuntime unknown', method: 'GET', path: '/2018-10-31/layers', query: { CompatibleRuntime: 'cobol85' }, status: 400, type: VALIDATION },
  { name: 'ListLayers CompatibleArchitecture unknown', method: 'GET', path: '/2018-10-31/layers', query: { CompatibleArchitecture: 'sparc' }, status: 400, type: VALIDATION },
  { name: 'ListLayers Marker=garbage', method: 'GET', path: '/2018-10-31/layers', query: { Marker: 'garbage' }, status: 400, type: IPVE },
  { name: 'GetLayerVersionByArn of garbage', method: 'GET', path: '/2018-10-31/layers', query: { find: 'LayerVersion', Arn: 'garbage' }, status: 400, type: VALIDATION },
  { name: 'GetLayerVersionByArn without Arn', method: 'GET', path: '/2018-10-31/layers', query: { find: 'LayerVersion' }, status: 400, type: VALIDATION },
  { name: 'ListLayerVersions MaxItems=-1', method: 'GET', path: '/2018-10-31/layers/lyr/versions', query: { MaxItems: '-1' }, status: 400, type: VALIDATION },
  { name: 'ListProvisionedConcurrencyConfigs MaxItems=abc', method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency`, query: { List: 'ALL', MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'ListFunctionEventInvokeConfigs MaxItems=abc', method: 'GET', path: `/2019-09-25/functions/${FN}/event-invoke-config/list`, query: { MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'ListFunctionEventInvokeConfigs MaxItems=0', method: 'GET', path: `/2019-09-25/functions/${FN}/event-invoke-config/list`, query: { MaxItems: '0' }, status: 400, type: VALIDATION },
  { name: 'ListFunctionEventInvokeConfigs Marker=garbage', method: 'GET', path: `/2019-09-25/functions/${FN}/event-invoke-config/list`, query: { Marker: 'garbage' }, status: 400, type: IPVE },
  { name: 'ListFunctionUrlConfigs MaxItems=abc', method: 'GET', path: `/2021-10-31/functions/${FN}/urls`, query: { MaxItems: 'abc' }, status: 400, type: VALIDATION },
  { name: 'GetFunction Qualifier with a space', method: 'GET', path: fn(), query: { Qualifier: 'a b' }, status: 400, type: VALIDATION },
  { name: 'GetFunction Qualifier in Unicode', method: 'GET', path: fn(), query: { Qualifier: 'ü' }, status: 400, type: VALIDATION },
  { name: 'GetFunction Qualifier with a NUL', method: 'GET', path: fn(), query: { Qualifier: '1\u0000' }, status: 400, type: VALIDATION },
  { name: 'GetFunction Qualifier of 200 characters', method: 'GET', path: fn(), query: { Qualifier: 'q'.repeat(200) }, status: 400, type: VALIDATION },
  { name: 'GetFunction Qualifier a missing version', method: 'GET', path: fn(), query: { Qualifier: '99999999999999999999' }, status: 404, type: NOT_FOUND },
  { name: 'DeleteFunction Qualifier odd', method: 'DELETE', path: fn(), query: { Qualifier: '$$$' }, status: '4xx' },
  { name: 'GetProvisionedConcurrencyConfig Qualifier odd', method: 'GET', path: `/2019-09-30/functions/${FN}/provisioned-concurrency`, query: { Qualifier: '<x>' }, status: 400, type: VALIDATION },
  { name: 'GetFunctionEventInvokeConfig Qualifier odd', method: 'GET', path: `/2019-09-25/functions/${FN}/event-invoke-config`, query: { Qualifier: '<x>' }, status: 400, type: VALIDATION },
  { name: 'GetFunctionUrlConfig Qualifier odd', method: 'GET', path: `/2021-10-31/functions/${FN}/url`, query: { Qualifier: '<x>' }, status: 400, type: VALIDATION },
  { name: 'UntagResource without tagKeys', method: 'DELETE', path: `/2017-03-31/tags/${encodeURIComponent(`arn:aws:lambda:us-east-1:000000000000:function:${FN}`)}`, status: '4xx' },

  // ---- Invoke ----
  { name: 'Invoke Qualifier odd', method: 'POST', path: fn('/invocations'), query: { Qualifier: '!!' }, body: '{}', status: 400, type: VALIDATION },
  { name: 'Invoke a payload that is not JSON', method: 'POST', path: fn('/invocations'), body: '{nope', status: 400, type: IRCE },
  { name: 'Invoke a payload that is not UTF-8', method: 'POST', path: fn('/invocations'), body: Buffer.from([0x22, 0xff, 0x22]), status: 400, type: IRCE },
  { name: 'Invoke an unknown invocation type', method: 'POST', path: fn('/invocations'), body: '{}', headers: { 'x-amz-invocation-type': 'Sometimes' }, status: 400, type: VALIDATION },
  { name: 'Invoke an unknown log type', method: 'POST', path: fn('/invocations'), body: '{}', headers: { 'x-amz-log-type': 'Head' }, status: 400, type: VALIDATION },
  { name: 'Invoke a client context that is not base64 JSON', method: 'POST', path: fn('/invocations'), body: '{}', headers: { 'x-amz-client-context': '%%%' }, status: '4xx' },
  { name: 'Invoke a client context of base64 non-JSON', method: 'POST', path: fn('/invocations'), body: '{}', headers: { 'x-amz-client-context': Buffer.from('not json').toString('base64') }, status: '4xx' },

  // ---- aliases, concurrency, event-invoke configs, URLs ----
  { name: 'CreateAlias Name in Unicode', method: 'POST', path: fn('/aliases'), body: '{"Name":"ünicode","FunctionVersion":"1"}', status: 400, type: VALIDATION },
  { name: 'CreateAlias a version past any integer', method: 'POST', path: fn('/aliases'), body: '{"Name":"big","FunctionVersion":"99999999999999999999999"}', status: '4xx' },
  { name: 'CreateAlias weight a string', method: 'POST', path: fn('/aliases'), body: '{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"1":"half"}}}', status: 400, type: IRCE },
  { name: 'CreateAlias weight above 1', method: 'POST', path: fn('/aliases'), body: '{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"1":5}}}', status: 400, type: VALIDATION },
  { name: 'CreateAlias weight for a version that is not one', method: 'POST', path: fn('/aliases'), body: '{"Name":"w","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"abc":0.5}}}', status: '4xx' },
  { name: 'PutFunctionConcurrency a fraction', method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: '{"ReservedConcurrentExecutions":1.5}', status: '4xx' },
  { name: 'PutFunctionConcurrency past any integer', method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: '{"ReservedConcurrentExecutions":1e300}', status: '4xx' },
  { name: 'PutFunctionConcurrency negative', method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: '{"ReservedConcurrentExecutions":-1}', status: 400, type: VALIDATION },
  { name: 'PutFunctionConcurrency a string', method: 'PUT', path: `/2017-10-31/functions/${FN}/concurrency`, body: '{"ReservedConcurrentExecutions":"ten"}', status: 400, type: IRCE },
  { name: 'PutProvisionedConcurrencyConfig without Qualifier', method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency`, body: '{"ProvisionedConcurrentExecutions":1}', status: '4xx' },
  { name: 'PutProvisionedConcurrencyConfig past any integer', method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency`, query: { Qualifier: '1' }, body: '{"ProvisionedConcurrentExecutions":1e300}', status: '4xx' },
  { name: 'PutProvisionedConcurrencyConfig a fraction', method: 'PUT', path: `/2019-09-30/functions/${FN}/provisioned-concurrency`, query: { Qualifier: '1' }, body: '{"ProvisionedConcurrentExecutions":0.5}', status: '4xx' },
  { name: 'PutFunctionEventInvokeConfig retries a fraction', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: '{"MaximumRetryAttempts":1.5}', status: '4xx' },
  { name: 'PutFunctionEventInvokeConfig retries past any integer', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: '{"MaximumRetryAttempts":1e300}', status: 400, type: VALIDATION },
  { name: 'PutFunctionEventInvokeConfig age a string', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: '{"MaximumEventAgeInSeconds":"long"}', status: 400, type: IRCE },
  { name: 'PutFunctionEventInvokeConfig truncated JSON', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: '{"Maximum', status: 400, type: IRCE },
  { name: 'PutFunctionEventInvokeConfig a JSON array', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: '[1]', status: 400, type: IRCE },
  { name: 'PutFunctionEventInvokeConfig deeply nested JSON', method: 'PUT', path: `/2019-09-25/functions/${FN}/event-invoke-config`, body: `{"DestinationConfig":{"OnSuccess":${nested(200_000)}}}`, status: 400, type: IRCE },
  { name: 'CreateFunctionUrlConfig an unknown AuthType', method: 'POST', path: `/2021-10-31/functions/${FN}/url`, body: '{"AuthType":"MAYBE"}', status: '4xx' },
  { name: 'CreateFunctionUrlConfig an unknown InvokeMode', method: 'POST', path: `/2021-10-31/functions/${FN}/url`, body: '{"AuthType":"NONE","InvokeMode":"LATER"}', status: '4xx' },
  { name: 'CreateFunctionUrlConfig Cors of the wrong types', method: 'POST', path: `/2021-10-31/functions/${FN}/url`, body: '{"AuthType":"NONE","Cors":{"MaxAge":"forever","AllowOrigins":"*"}}', status: '4xx' },
  { name: 'CreateFunctionUrlConfig truncated JSON', method: 'POST', path: `/2021-10-31/functions/${FN}/url`, body: '{"Auth', status: 400, type: IRCE },
  { name: 'TagResource tags a list', method: 'POST', path: `/2017-03-31/tags/${encodeURIComponent(`arn:aws:lambda:us-east-1:000000000000:function:${FN}`)}`, body: '{"Tags":["a"]}', status: 400, type: IRCE },
  { name: 'PublishLayerVersion CompatibleRuntimes a string', method: 'POST', path: '/2018-10-31/layers/lyr/versions', body: '{"CompatibleRuntimes":"nodejs20.x"}', status: 400, type: IRCE },
  { name: 'PublishLayerVersion a name in Unicode', method: 'POST', path: `/2018-10-31/layers/${encodeURIComponent('lÿr')}/versions`, body: '{"Content":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}', status: 400, type: VALIDATION },

  // ---- EventBridge Scheduler (rest-json, its own signing name) ----
  { name: 'CreateSchedule truncated JSON', method: 'POST', path: '/schedules/s1', service: 'scheduler', body: '{"Sched', status: '4xx' },
  { name: 'CreateSchedule a JSON array', method: 'POST', path: '/schedules/s1', service: 'scheduler', body: '[]', status: '4xx' },
  { name: 'CreateSchedule a name in Unicode', method: 'POST', path: `/schedules/${encodeURIComponent('schédule')}`, service: 'scheduler', body: '{}', status: '4xx' },
  { name: 'CreateSchedule deeply nested target members', method: 'POST', path: '/schedules/s2', service: 'scheduler', body: schedule(`,"SqsParameters":${nested(200_000)}`), status: '4xx' },
  { name: 'ListSchedules MaxResults=0', method: 'GET', path: '/schedules', service: 'scheduler', query: { MaxResults: '0' }, status: '4xx' },
  { name: 'ListSchedules MaxResults=abc', method: 'GET', path: '/schedules', service: 'scheduler', query: { MaxResults: 'abc' }, status: '4xx' },
  { name: 'ListSchedules NextToken=garbage', method: 'GET', path: '/schedules', service: 'scheduler', query: { NextToken: 'garbage' }, status: '4xx' },

  // ---- JSON protocols told apart by X-Amz-Target (CloudWatch Logs, SQS) ----
  { name: 'Logs truncated JSON', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1'}, body: '{"limit', status: '4xx' },
  { name: 'Logs deeply nested JSON', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents', 'content-type': 'application/x-amz-json-1.1'}, body: `{"logGroupName":"/aws/lambda/fuzz","x":${nested(200_000)}}`, status: '4xx' },
  { name: 'Logs limit a string', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1'}, body: '{"limit":"ten"}', status: '4xx' },
  { name: 'Logs limit past any integer', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups', 'content-type': 'application/x-amz-json-1.1'}, body: '{"limit":1e400}', status: '4xx' },
  { name: 'Logs nextToken garbage', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents', 'content-type': 'application/x-amz-json-1.1'}, body: '{"logGroupName":"/aws/lambda/fuzz","nextToken":"garbage"}', status: '4xx' },
  { name: 'Logs startTime huge', method: 'POST', path: '/', service: 'logs', headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents', 'content-type': 'application/x-amz-json-1.1'}, body: '{"logGroupName":"/aws/lambda/fuzz","startTime":1e300}', status: '4xx' },
  { name: 'SQS truncated JSON', method: 'POST', path: '/', service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{"Max', status: '4xx' },
  { name: 'SQS deeply nested JSON', method: 'POST', path: '/', service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.CreateQueue', 'content-type': 'application/x-amz-json-1.0' }, body: `{"QueueName":"q","Attributes":${nested(100_000)}}`, status: '4xx' },
  { name: 'SQS MaxResults past any integer', method: 'POST', path: '/', service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{"MaxResults":1e400}', status: '4xx' },
  { name: 'SQS a queue name in Unicode', method: 'POST', path: '/', service: 'sqs', headers: { 'x-amz-target': 'AmazonSQS.CreateQueue', 'content-type': 'application/x-amz-json-1.0' }, body: '{"QueueName":"qüeue"}', status: '4xx' },
];

describe('malformed input is answered with a 4xx, never a 500 (e2e)', { timeout: 120_000 }, () => {
  let k: KindlingHandle;

  before(async () => {
    k = await startKindling();
    await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: FN,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await handlerZip() },
      }),
    );
    await k.lambda.send(new PublishVersionCommand({ FunctionName: FN }));
    await k.lambda.send(new CreateAliasCommand({ FunctionName: FN, Name: 'live', FunctionVersion: '1' }));
  });

  after(async () => {
    await k?.stop();
  });

  async function send(c: Case): Promise<{ status: number; type: string | null; body: string }> {
    const body = c.body ?? '';
    const res = await signedFetch(k, {
      method: c.method,
      path: c.path,
      query: c.query,
      headers: { 'content-type': 'application/json', ...c.headers },
      ...(c.method === 'GET' || c.method === 'DELETE' ? {} : { body }),
      service: c.service,
    });
    const text = await res.text();
    // awsJson 1.0 (SQS) names the error in the body's __type only, after a namespace.
    let type = res.headers.get('x-amzn-errortype');
    if (type === null && res.status >= 400) {
      const parsed = JSON.parse(text) as { __type?: string };
      type = parsed.__type?.split('#').pop() ?? null;
    }
    return { status: res.status, type, body: text };
  }

  for (const c of CASES) {
    it(`${c.method} ${c.name}`, async () => {
      const res = await send(c);
      const seen = `${res.status} ${res.type}: ${res.body.slice(0, 300)}`;
      assert.notEqual(res.status, 500, seen);
      if (c.status === '4xx') assert.ok(res.status >= 400 && res.status < 500, seen);
      else assert.equal(res.status, c.status, seen);
      assert.ok(res.type !== null && res.type !== 'ServiceException', seen);
      if (c.type !== undefined) assert.equal(res.type, c.type, seen);
      // The SDKs read the error's message from the body.
      const parsed = JSON.parse(res.body) as Record<string, unknown>;
      assert.equal(typeof (parsed.message ?? parsed.Message), 'string', seen);
    });
  }

  it('tags a function whose ARN is longer than 100 characters', async () => {
    const name = 'f'.repeat(64);
    const created = await k.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs20.x',
        Role: ROLE,
        Handler: 'index.handler',
        Code: { ZipFile: await handlerZip() },
      }),
    );
    const arn = created.FunctionArn ?? '';
    assert.ok(arn.length > 100, arn);
    await k.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { team: 'core' } }));
    const listed = await k.lambda.send(new ListTagsCommand({ Resource: arn }));
    assert.deepEqual(listed.Tags, { team: 'core' });
  });

  it('still serves well-formed requests afterwards', async () => {
    const res = await send({ name: 'list', method: 'GET', path: '/2015-03-31/functions/', status: 200 });
    assert.equal(res.status, 200, res.body);
  });
});
