// Shared wire helpers of the management operations: JSON bodies decoded with zod into typed commands, and
// the control plane's camelCase results encoded as AWS's PascalCase shapes (FunctionConfiguration,
// AliasConfiguration, LayerVersion). Used by functions.ts, versions.ts, aliases.ts, layers.ts and friends.

import { createHash } from 'node:crypto';
import { type ZodTypeAny, z } from 'zod';
import type { AliasConfiguration, FunctionConfiguration, LayerVersion } from '../../control/index.js';
import { Errors, validationMessage } from '../../errors.js';
import { nestsDeeperThan } from '../../json-depth.js';
import type { ApiRequest, ApiResponse } from '../http.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

/** Lambda's LastModified style: 2024-01-01T00:00:00.000+0000. */
export const lambdaDate = (iso: string) => iso.replace(/Z$/, '+0000');

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

/** Parses the JSON body (an empty body is `{}`) and validates it into a typed command. */
export function decodeBody<S extends ZodTypeAny>(req: ApiRequest, schema: S): z.output<S> {
  // SECURITY: the body is untrusted; it is parsed as JSON and checked against the schema before use.
  let parsed: unknown = {};
  if (req.body.length > 0) {
    try {
      parsed = JSON.parse(req.body.toString('utf8'));
    } catch (err) {
      throw Errors.invalidRequestContent(`Could not parse request body into json: ${(err as Error).message}`);
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw Errors.invalidRequestContent(
      'Could not parse request body into json: the body is not a JSON object',
    );
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw Errors.invalidRequestContent(
      `Could not parse request body into json: the body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const result = schema.safeParse(withoutNulls(parsed));
  if (!result.success) {
    const issue = result.error.issues[0];
    const member = issue?.path.join('.') || 'body';
    throw Errors.invalidRequestContent(
      `Could not parse request body into json: Unexpected value for member '${member}' (${issue?.message ?? 'invalid'})`,
    );
  }
  return result.data as z.output<S>;
}

/**
 * An integer member of a request body. Lambda reads these as 32-bit integers: a value outside that range
 * (or not a whole number) does not parse, as AWS answers (InvalidRequestContentException).
 */
export const Int32 = z.number().int().min(-2_147_483_648).max(2_147_483_647);

/** An optional integer query parameter (MaxItems, ...); AWS reports non-numbers as validation errors. */
export function intQuery(req: ApiRequest, name: string, field: string): number | undefined {
  const raw = req.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) {
    throw Errors.validation(
      validationMessage([{ value: raw, field, constraint: 'Member must be a number' }]),
    );
  }
  return Number(raw);
}

export const optionalQuery = (req: ApiRequest, name: string): string | undefined => {
  const v = req.query.get(name);
  return v === null || v === '' ? undefined : v;
};

export const param = (req: ApiRequest, name: string): string => req.params[name] ?? '';

export const json = (status: number, body: Readonly<Record<string, unknown>>): ApiResponse => ({
  status,
  body,
});
export const noContent = (): ApiResponse => ({ status: 204 });

/** ZipFile arrives base64-encoded in the JSON body. */
export const Base64Blob = z
  .string()
  .regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/, 'must be base64')
  .transform((s) => Buffer.from(s, 'base64'));

export const CodeShape = z.object({
  ZipFile: Base64Blob.optional(),
  S3Bucket: z.string().optional(),
  S3Key: z.string().optional(),
  S3ObjectVersion: z.string().optional(),
  ImageUri: z.string().optional(),
});

export function codeInput(code: z.infer<typeof CodeShape> | undefined) {
  return {
    ...(code?.ZipFile !== undefined ? { zipFile: code.ZipFile } : {}),
    ...(code?.S3Bucket !== undefined ? { s3Bucket: code.S3Bucket } : {}),
    ...(code?.S3Key !== undefined ? { s3Key: code.S3Key } : {}),
    ...(code?.S3ObjectVersion !== undefined ? { s3ObjectVersion: code.S3ObjectVersion } : {}),
    ...(code?.ImageUri !== undefined ? { imageUri: code.ImageUri } : {}),
  };
}

/** A stable runtime version ARN per runtime and region (Lambda reports one for managed runtimes). */
function runtimeVersionArn(region: string, runtime: string): string {
  return `arn:aws:lambda:${region}::runtime:${createHash('sha256').update(runtime).digest('hex')}`;
}

/** FunctionConfiguration as AWS returns it; `listing` drops what List* operations leave out. */
export function functionConfigurationShape(
  c: FunctionConfiguration,
  listing = false,
): Record<string, unknown> {
  const region = c.functionArn.split(':')[3] ?? '';
  const shape: Record<string, unknown> = {
    FunctionName: c.functionName,
    FunctionArn: c.functionArn,
    Runtime: c.runtime,
    Role: c.role,
    Handler: c.handler,
    CodeSize: c.code.codeSize,
    Description: c.description,
    Timeout: c.timeout,
    MemorySize: c.memorySize,
    LastModified: lambdaDate(c.lastModified),
    CodeSha256: c.code.codeSha256,
    Version: c.version,
    ...(c.environment !== undefined ? { Environment: { Variables: c.environment } } : {}),
    TracingConfig: { Mode: c.tracingMode },
    RevisionId: c.revisionId,
    ...(c.layers.length > 0 ? { Layers: c.layers.map((l) => ({ Arn: l.arn, CodeSize: l.codeSize })) } : {}),
    ...(c.deadLetterTargetArn !== undefined
      ? { DeadLetterConfig: { TargetArn: c.deadLetterTargetArn } }
      : {}),
    ...(c.kmsKeyArn !== undefined ? { KMSKeyArn: c.kmsKeyArn } : {}),
    PackageType: c.packageType,
    Architectures: c.architectures,
    EphemeralStorage: { Size: c.ephemeralStorageSize },
    SnapStart: {
      ApplyOn: c.snapStartApplyOn,
      OptimizationStatus:
        c.snapStartApplyOn === 'PublishedVersions' && c.version !== '$LATEST' ? 'On' : 'Off',
    },
    LoggingConfig: {
      LogFormat: c.logging.logFormat,
      ...(c.logging.applicationLogLevel !== undefined
        ? { ApplicationLogLevel: c.logging.applicationLogLevel }
        : {}),
      ...(c.logging.systemLogLevel !== undefined ? { SystemLogLevel: c.logging.systemLogLevel } : {}),
      LogGroup: c.logging.logGroup,
    },
  };
  if (listing) return shape;
  return {
    ...shape,
    State: c.state,
    ...(c.stateReason !== undefined ? { StateReason: c.stateReason } : {}),
    ...(c.stateReasonCode !== undefined ? { StateReasonCode: c.stateReasonCode } : {}),
    ...(c.lastUpdateStatus !== undefined ? { LastUpdateStatus: c.lastUpdateStatus } : {}),
    ...(c.lastUpdateStatusReason !== undefined ? { LastUpdateStatusReason: c.lastUpdateStatusReason } : {}),
    ...(c.lastUpdateStatusReasonCode !== undefined
      ? { LastUpdateStatusReasonCode: c.lastUpdateStatusReasonCode }
      : {}),
    RuntimeVersionConfig: { RuntimeVersionArn: runtimeVersionArn(region, c.runtime) },
  };
}

export function aliasShape(a: AliasConfiguration): Record<string, unknown> {
  return {
    AliasArn: a.aliasArn,
    Name: a.name,
    FunctionVersion: a.functionVersion,
    Description: a.description,
    ...(a.additionalVersionWeights !== undefined
      ? { RoutingConfig: { AdditionalVersionWeights: a.additionalVersionWeights } }
      : {}),
    RevisionId: a.revisionId,
  };
}

export function layerVersionShape(v: LayerVersion, location: string): Record<string, unknown> {
  return {
    Content: { Location: location, CodeSha256: v.code.codeSha256, CodeSize: v.code.codeSize },
    LayerArn: v.layerArn,
    LayerVersionArn: v.layerVersionArn,
    Description: v.description,
    CreatedDate: lambdaDate(v.createdDate),
    Version: v.version,
    ...(v.compatibleRuntimes.length > 0 ? { CompatibleRuntimes: v.compatibleRuntimes } : {}),
    ...(v.compatibleArchitectures.length > 0 ? { CompatibleArchitectures: v.compatibleArchitectures } : {}),
    ...(v.licenseInfo !== undefined ? { LicenseInfo: v.licenseInfo } : {}),
  };
}

/** Layer version as List* operations show it (no Content). */
export function layerVersionListShape(v: LayerVersion): Record<string, unknown> {
  const { Content: _content, LayerArn: _arn, ...rest } = layerVersionShape(v, '');
  return rest;
}
