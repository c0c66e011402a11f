// Names and ARNs: how Lambda spells functions, versions, aliases and layers, and how a FunctionName path
// parameter (name, name:qualifier, partial ARN, full ARN) is taken apart. Messages follow AWS's.

import { Errors, validationMessage } from '../errors.js';

export const LATEST = '$LATEST';

/** What AWS's model requires of a FunctionName (any of its four spellings). */
const FUNCTION_NAME_PATTERN =
  /^(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_.]+)(:(\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** The same, taking the parts out. */
const FUNCTION_NAME_PARTS =
  /^(?:arn:(?:aws[a-zA-Z-]*):lambda:)?(?:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1}):)?(?:(?<account>\d{12}):)?(?:function:)?(?<name>[a-zA-Z0-9-_.]+)(?::(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?$/;
/** The pattern AWS prints in its validation message. */
const FUNCTION_NAME_PATTERN_TEXT =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const QUALIFIER_PATTERN = /^[a-zA-Z0-9$_-]+$/;
const VERSION_PATTERN = /^[0-9]+$/;
const ALIAS_PATTERN = /^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/;
const LAYER_NAME_PATTERN = /^[a-zA-Z0-9-_]+$/;
const LAYER_VERSION_ARN =
  /^arn:(?<partition>aws[a-zA-Z-]*):lambda:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1}):(?<account>\d{12}):layer:(?<name>[a-zA-Z0-9-_]+):(?<version>[0-9]+)$/;
const LAYER_ARN =
  /^arn:(?<partition>aws[a-zA-Z-]*):lambda:(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d{1}):(?<account>\d{12}):layer:(?<name>[a-zA-Z0-9-_]+)$/;

export const isVersionQualifier = (q: string) => VERSION_PATTERN.test(q);
export const isAliasName = (q: string) => ALIAS_PATTERN.test(q);

/** The account and region this server answers for; every ARN it makes carries them. */
export interface Partition {
  readonly accountId: string;
  readonly region: string;
}

export const functionArn = (p: Partition, name: string) =>
  `arn:aws:lambda:${p.region}:${p.accountId}:function:${name}`;
export const qualifiedArn = (p: Partition, name: string, qualifier: string | undefined) =>
  qualifier === undefined ? functionArn(p, name) : `${functionArn(p, name)}:${qualifier}`;
export const layerArn = (p: Partition, name: string) =>
  `arn:aws:lambda:${p.region}:${p.accountId}:layer:${name}`;
export const layerVersionArn = (p: Partition, name: string, version: number) =>
  `${layerArn(p, name)}:${version}`;

/** A FunctionName taken apart: the bare name and the qualifier from the name or the Qualifier parameter. */
export interface FunctionLocator {
  readonly name: string;
  readonly qualifier?: string;
}

export interface LocateOptions {
  /** Longest accepted FunctionName (AWS: 64 for a bare name on create, 140 or 170 elsewhere). */
  readonly maxLength?: number;
  /** Whether a qualifier in the name or as a parameter is accepted at all. */
  readonly allowQualifier?: boolean;
  /** Operations that refuse qualified names say so with this message (InvalidParameterValueException). */
  readonly qualifiedMessage?: string;
}

/**
 * Takes apart a FunctionName path parameter and an optional Qualifier query parameter, validating both as
 * AWS does (ValidationException for a malformed name or qualifier, InvalidParameterValueException when the
 * two qualifiers disagree, ResourceNotFoundException for another region or account).
 */
export function locateFunction(
  p: Partition,
  functionName: string,
  qualifier: string | undefined,
  options: LocateOptions = {},
): FunctionLocator {
  // SECURITY: FunctionName and Qualifier come from the request path and query; nothing below trusts them
  // until they match AWS's patterns.
  const maxLength = options.maxLength ?? 170;
  const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
  if (functionName.length > maxLength) {
    failures.push({
      value: functionName,
      field: 'functionName',
      constraint: `Member must have length less than or equal to ${maxLength}`,
    });
  }
  const parts = FUNCTION_NAME_PATTERN.test(functionName) ? FUNCTION_NAME_PARTS.exec(functionName) : null;
  if (!parts?.groups?.name) {
    failures.push({
      value: functionName,
      field: 'functionName',
      constraint: `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN_TEXT}`,
    });
  }
  if (qualifier !== undefined) {
    if (qualifier.length > 128) {
      failures.push({
        value: qualifier,
        field: 'qualifier',
        constraint: 'Member must have length less than or equal to 128',
      });
    }
    if (!QUALIFIER_PATTERN.test(qualifier)) {
      failures.push({
        value: qualifier,
        field: 'qualifier',
        constraint: 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)',
      });
    }
  }
  if (failures.length > 0 || !parts?.groups?.name) throw Errors.validation(validationMessage(failures));

  const { name, region, account, qualifier: nameQualifier } = parts.groups;
  if (region !== undefined && region !== p.region) {
    throw Errors.resourceNotFound(
      `Functions from '${region}' are not reachable in this region ('${p.region}')`,
    );
  }
  if (account !== undefined && account !== p.accountId) {
    // This server holds one account; another account's function cannot exist here.
    throw Errors.resourceNotFound(
      `Function not found: arn:aws:lambda:${p.region}:${account}:function:${name}`,
    );
  }
  if (qualifier !== undefined && nameQualifier !== undefined && qualifier !== nameQualifier) {
    throw Errors.invalidParameterValue(
      'The derived qualifier from the function name does not match the specified qualifier.',
    );
  }
  const resolved = qualifier ?? nameQualifier;
  if (resolved !== undefined && options.allowQualifier === false) {
    throw Errors.invalidParameterValue(
      options.qualifiedMessage ??
        'Unqualified function name expected: this operation does not accept a version or alias qualifier.',
    );
  }
  return resolved === undefined ? { name } : { name, qualifier: resolved };
}

/** Validates a bare function name for CreateFunction (AWS answers InvalidParameterValueException here). */
export function validateNewFunctionName(p: Partition, functionName: string): string {
  try {
    const located = locateFunction(p, functionName, undefined, {
      maxLength: FUNCTION_NAME_PARTS.exec(functionName)?.groups?.name === functionName ? 64 : 140,
    });
    if (!/^[a-zA-Z0-9-_]+$/.test(located.name)) {
      throw Errors.validation(
        validationMessage([
          {
            value: functionName,
            field: 'functionName',
            constraint: `Member must satisfy regular expression pattern: ${FUNCTION_NAME_PATTERN_TEXT}`,
          },
        ]),
      );
    }
    if (located.qualifier !== undefined) {
      throw Errors.invalidParameterValue(
        'Unqualified function name expected: a function is created without a version or alias qualifier.',
      );
    }
    return located.name;
  } catch (err) {
    // AWS reports a malformed bare name on CreateFunction as InvalidParameterValueException.
    if (err instanceof Error && 'code' in err && err.code === 'ValidationException') {
      throw Errors.invalidParameterValue(err.message);
    }
    throw err;
  }
}

export function validateLayerName(layerName: string): void {
  const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
  if (layerName.length > 140) {
    failures.push({
      value: layerName,
      field: 'layerName',
      constraint: 'Member must have length less than or equal to 140',
    });
  }
  if (!LAYER_NAME_PATTERN.test(layerName) && !LAYER_ARN.test(layerName)) {
    failures.push({
      value: layerName,
      field: 'layerName',
      constraint:
        'Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+',
    });
  }
  if (failures.length > 0) throw Errors.validation(validationMessage(failures));
}

/** A LayerName path parameter may be a name or a layer ARN; returns the bare name. */
export function layerNameOf(p: Partition, layerName: string): string {
  validateLayerName(layerName);
  const arn = LAYER_ARN.exec(layerName);
  if (!arn?.groups) return layerName;
  if (arn.groups.region !== p.region || arn.groups.account !== p.accountId) {
    throw Errors.resourceNotFound('The resource you requested does not exist.');
  }
  return arn.groups.name ?? layerName;
}

export interface LayerVersionLocator {
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
  readonly version: number;
}

/** Parses a layer version ARN; undefined when it is not one. */
export function parseLayerVersionArn(arn: string): LayerVersionLocator | undefined {
  const m = LAYER_VERSION_ARN.exec(arn);
  if (!m?.groups?.name || !m.groups.version || !m.groups.region || !m.groups.account) return undefined;
  return {
    region: m.groups.region,
    accountId: m.groups.account,
    name: m.groups.name,
    version: Number(m.groups.version),
  };
}
