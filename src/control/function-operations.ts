// Functions and versions: CreateFunction, Get/List/Update/Delete, PublishVersion, ListVersionsByFunction,
// tags and account settings. Every rule Lambda applies to them lives here; the API layer only translates.

import { randomUUID } from 'node:crypto';
import { Errors, validationMessage } from '../errors.js';
import type { FunctionRecord, FunctionVersionRecord, LoggingSettings } from '../store/index.js';
import { CODE_SIZE_UNZIPPED_LIMIT, CODE_SIZE_ZIPPED_LIMIT } from './artifacts.js';
import {
  type ControlContext,
  checkUnzippedTotal,
  nowIso,
  requireFunction,
  requireVersion,
  withUploadedCode,
} from './context.js';
import { resolveLayers } from './layer-operations.js';
import {
  LATEST,
  functionArn,
  isVersionQualifier,
  locateFunction,
  qualifiedArn,
  validateNewFunctionName,
} from './names.js';
import { paginate } from './pagination.js';
import type {
  AccountSettings,
  CreateFunctionInput,
  FunctionConfigInput,
  FunctionConfiguration,
  FunctionDetails,
  ListParams,
  Page,
  PublishVersionInput,
  UpdateFunctionCodeInput,
  UpdateFunctionConfigurationInput,
} from './types.js';
import {
  LIMITS,
  ValidationFailures,
  checkArchitectures,
  checkDeadLetterTarget,
  checkEnvironment,
  checkHandler,
  checkKmsKey,
  checkLogging,
  checkPackageType,
  checkRole,
  checkRuntime,
  checkSnapStart,
  checkTags,
  checkTracingMode,
} from './validation.js';

/** What a response says about the version's lifecycle (wire contract 2.2: Pending on create, then Active). */
type Phase = 'creating' | 'updating' | 'publishing' | 'settled';

const CREATING_REASON = 'The function is being created.';

export interface AccountConcurrency {
  readonly concurrentExecutions: number;
  readonly unreservedConcurrentExecutions: number;
}

export interface FunctionOperationsOptions {
  /** Reserved concurrency of a function, when another component manages it (GetFunction's Concurrency). */
  readonly reservedConcurrency?: (functionName: string) => number | undefined;
  /** Account concurrency figures for GetAccountSettings (default 1000 / 1000). */
  readonly accountConcurrency?: () => AccountConcurrency;
}

export function describeVersion(
  ctx: ControlContext,
  v: FunctionVersionRecord,
  arnQualifier: string | undefined,
  phase: Phase,
): FunctionConfiguration {
  const { contentRevision: _internal, ...rest } = v;
  const base = { ...rest, functionArn: qualifiedArn(ctx.partition, v.functionName, arnQualifier) };
  switch (phase) {
    case 'creating':
    case 'publishing':
      return { ...base, state: 'Pending', stateReason: CREATING_REASON, stateReasonCode: 'Creating' };
    case 'updating':
      return {
        ...base,
        state: 'Active',
        lastUpdateStatus: 'InProgress',
        lastUpdateStatusReason: CREATING_REASON,
        lastUpdateStatusReasonCode: 'Creating',
      };
    case 'settled':
      return { ...base, state: 'Active', lastUpdateStatus: 'Successful' };
  }
}

/** Model-level checks shared by create and update-configuration, reported together. */
function checkConfigFields(input: FunctionConfigInput): void {
  const v = new ValidationFailures();
  v.maxLength(input.description, 'description', LIMITS.descriptionMax);
  v.range(input.memorySize, 'memorySize', LIMITS.memoryMin, LIMITS.memoryMax);
  v.range(input.timeout, 'timeout', LIMITS.timeoutMin, LIMITS.timeoutMax);
  v.range(input.ephemeralStorageSize, 'ephemeralStorage.size', LIMITS.ephemeralMin, LIMITS.ephemeralMax);
  checkHandler(v, input.handler);
  checkRole(v, input.role);
  checkTracingMode(v, input.tracingMode);
  checkLogging(v, input.logging);
  checkSnapStart(v, input.snapStartApplyOn);
  checkDeadLetterTarget(v, input.deadLetterTargetArn);
  checkKmsKey(v, input.kmsKeyArn);
  v.throwIfAny();
  checkPackageType(input.packageType, input.imageConfig);
  if (input.runtime !== undefined) checkRuntime(input.runtime);
  checkEnvironment(input.environment);
}

function logging(name: string, input: FunctionConfigInput, base?: LoggingSettings): LoggingSettings {
  const given = input.logging ?? {};
  const logFormat = (given.logFormat ?? base?.logFormat ?? 'Text') as 'Text' | 'JSON';
  const applicationLogLevel = given.applicationLogLevel ?? base?.applicationLogLevel;
  const systemLogLevel = given.systemLogLevel ?? base?.systemLogLevel;
  return {
    logFormat,
    logGroup: given.logGroup ?? base?.logGroup ?? `/aws/lambda/${name}`,
    ...(applicationLogLevel !== undefined ? { applicationLogLevel } : {}),
    ...(systemLogLevel !== undefined ? { systemLogLevel } : {}),
  };
}

const environmentOf = (env: Readonly<Record<string, string>> | undefined) =>
  env === undefined || Object.keys(env).length === 0 ? undefined : { ...env };

function checkRevision(expected: string | undefined, actual: string): void {
  if (expected !== undefined && expected !== actual) {
    throw Errors.preconditionFailed(
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
  }
}

export function createFunctionOperations(ctx: ControlContext, options: FunctionOperationsOptions = {}) {
  const { store, partition } = ctx;

  async function releaseArtifacts(hexes: Iterable<string>): Promise<void> {
    for (const hex of new Set(hexes)) await ctx.artifacts.removeIfUnreferenced(hex);
  }

  const hexesOf = (v: FunctionVersionRecord) => [v.code.sha256Hex, ...v.layers.map((l) => l.sha256Hex)];

  /** Resolves a qualifier (version, $LATEST or alias) of GetFunction/GetFunctionConfiguration. */
  function versionFor(name: string, qualifier: string | undefined): FunctionVersionRecord {
    requireFunction(ctx, name);
    if (qualifier !== undefined && qualifier !== LATEST && !isVersionQualifier(qualifier)) {
      const alias = store.getAlias(name, qualifier);
      if (!alias)
        throw Errors.resourceNotFound(`Function not found: ${qualifiedArn(partition, name, qualifier)}`);
      return requireVersion(ctx, name, alias.functionVersion);
    }
    return requireVersion(ctx, name, qualifier);
  }

  function publish(
    name: string,
    input: PublishVersionInput,
  ): { version: FunctionVersionRecord; created: boolean } {
    return store.transaction(() => {
      const fn = requireFunction(ctx, name);
      const latest = requireVersion(ctx, name, undefined);
      checkRevision(input.revisionId, latest.revisionId);
      if (input.codeSha256 !== undefined && input.codeSha256 !== latest.code.codeSha256) {
        throw Errors.invalidParameterValue(
          `CodeSHA256 (${input.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.code.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      // Lambda does not publish a version when nothing changed since the last one: it returns that one.
      const published = store.listVersions(name).filter((v) => v.version !== LATEST);
      const last = published[published.length - 1];
      if (last && last.contentRevision === latest.contentRevision) return { version: last, created: false };
      const number = fn.nextVersion;
      const version: FunctionVersionRecord = {
        ...latest,
        version: String(number),
        description: input.description ?? latest.description,
        revisionId: randomUUID(),
        lastModified: nowIso(),
      };
      store.putVersion(version);
      store.updateFunction({ ...fn, nextVersion: number + 1 });
      // Publishing changes $LATEST's RevisionId too (it now has a successor).
      store.putVersion({ ...latest, revisionId: randomUUID() });
      return { version, created: true };
    });
  }

  return {
    async createFunction(input: CreateFunctionInput): Promise<FunctionConfiguration> {
      const name = validateNewFunctionName(partition, input.functionName);
      checkConfigFields(input);
      const { role, runtime, handler } = input;
      if (role === undefined) {
        throw Errors.validation(
          "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null",
        );
      }
      if (runtime === undefined || handler === undefined) {
        throw Errors.invalidParameterValue(
          'Runtime and Handler are mandatory parameters for functions created with deployment packages.',
        );
      }
      checkArchitectures(input.architectures);
      if (input.tags) checkTags(input.tags);
      const layers = resolveLayers(ctx, input.layers ?? []);
      if (store.getFunction(name)) throw Errors.resourceConflict(`Function already exist: ${name}`);

      const latest = await withUploadedCode(ctx, input.code, 'CreateFunction', (artifact) => {
        checkUnzippedTotal(
          ctx,
          artifact.sha256Hex,
          layers.map((l) => l.sha256Hex),
        );
        const now = nowIso();
        const record: FunctionVersionRecord = {
          functionName: name,
          version: LATEST,
          description: input.description ?? '',
          role,
          runtime,
          handler,
          memorySize: input.memorySize ?? 128,
          timeout: input.timeout ?? 3,
          ephemeralStorageSize: input.ephemeralStorageSize ?? 512,
          ...(environmentOf(input.environment) ? { environment: environmentOf(input.environment) } : {}),
          architectures: input.architectures ? [...input.architectures] : ['x86_64'],
          packageType: 'Zip',
          tracingMode: (input.tracingMode ?? 'PassThrough') as 'Active' | 'PassThrough',
          logging: logging(name, input),
          layers,
          ...(input.deadLetterTargetArn ? { deadLetterTargetArn: input.deadLetterTargetArn } : {}),
          ...(input.kmsKeyArn ? { kmsKeyArn: input.kmsKeyArn } : {}),
          snapStartApplyOn: (input.snapStartApplyOn ?? 'None') as 'None' | 'PublishedVersions',
          code: {
            sha256Hex: artifact.sha256Hex,
            codeSha256: artifact.codeSha256,
            codeSize: artifact.codeSize,
          },
          revisionId: randomUUID(),
          contentRevision: randomUUID(),
          lastModified: now,
        };
        const fn: FunctionRecord = { name, createdAt: now, nextVersion: 1, tags: { ...(input.tags ?? {}) } };
        store.transaction(() => {
          // Checked again inside the transaction: another create may have won while the archive unzipped.
          if (store.getFunction(name)) throw Errors.resourceConflict(`Function already exist: ${name}`);
          store.createFunction(fn, record);
        });
        return record;
      });
      let result = latest;
      if (input.publish) result = publish(name, {}).version;
      ctx.changed();
      return describeVersion(ctx, result, undefined, 'creating');
    },

    getFunction(functionName: string, qualifier?: string): FunctionDetails {
      const loc = locateFunction(partition, functionName, qualifier);
      const version = versionFor(loc.name, loc.qualifier);
      const fn = requireFunction(ctx, loc.name);
      const reserved = options.reservedConcurrency?.(loc.name);
      return {
        configuration: describeVersion(ctx, version, loc.qualifier, 'settled'),
        codeSha256Hex: version.code.sha256Hex,
        tags: fn.tags,
        ...(reserved !== undefined ? { reservedConcurrentExecutions: reserved } : {}),
      };
    },

    getFunctionConfiguration(functionName: string, qualifier?: string): FunctionConfiguration {
      const loc = locateFunction(partition, functionName, qualifier);
      return describeVersion(ctx, versionFor(loc.name, loc.qualifier), loc.qualifier, 'settled');
    },

    listFunctions(params: ListParams & { functionVersion?: string }): Page<FunctionConfiguration> {
      if (params.functionVersion !== undefined && params.functionVersion !== 'ALL') {
        throw Errors.validation(
          validationMessage([
            {
              value: params.functionVersion,
              field: 'functionVersion',
              constraint: 'Member must satisfy enum value set: [ALL]',
            },
          ]),
        );
      }
      const all = params.functionVersion === 'ALL';
      const items: FunctionConfiguration[] = [];
      for (const fn of store.listFunctions()) {
        if (all) {
          for (const v of store.listVersions(fn.name))
            items.push(describeVersion(ctx, v, v.version, 'settled'));
        } else {
          const latest = store.getVersion(fn.name, LATEST);
          if (latest) items.push(describeVersion(ctx, latest, undefined, 'settled'));
        }
      }
      return paginate(items, (c) => c.functionArn, params);
    },

    async updateFunctionCode(
      functionName: string,
      input: UpdateFunctionCodeInput,
    ): Promise<FunctionConfiguration> {
      const loc = locateFunction(partition, functionName, undefined, { allowQualifier: false });
      requireFunction(ctx, loc.name);
      checkRevision(input.revisionId, requireVersion(ctx, loc.name, undefined).revisionId);
      checkArchitectures(input.architectures);
      const { previous, updated } = await withUploadedCode(
        ctx,
        input.code,
        'UpdateFunctionCode',
        (artifact) =>
          store.transaction(() => {
            const previous = requireVersion(ctx, loc.name, undefined);
            checkRevision(input.revisionId, previous.revisionId);
            checkUnzippedTotal(
              ctx,
              artifact.sha256Hex,
              previous.layers.map((l) => l.sha256Hex),
            );
            const updated: FunctionVersionRecord = {
              ...previous,
              ...(input.architectures ? { architectures: [...input.architectures] } : {}),
              code: {
                sha256Hex: artifact.sha256Hex,
                codeSha256: artifact.codeSha256,
                codeSize: artifact.codeSize,
              },
              revisionId: randomUUID(),
              contentRevision: randomUUID(),
              lastModified: nowIso(),
            };
            if (!input.dryRun) store.putVersion(updated);
            return { previous, updated };
          }),
      );
      if (input.dryRun) {
        await releaseArtifacts([updated.code.sha256Hex]);
        return describeVersion(ctx, updated, undefined, 'settled');
      }
      ctx.changed({
        kind: 'function-updated',
        functionArn: functionArn(partition, loc.name),
        version: LATEST,
      });
      await releaseArtifacts([previous.code.sha256Hex]);
      if (input.publish) {
        const published = publish(loc.name, {}).version;
        ctx.changed();
        return describeVersion(ctx, published, published.version, 'publishing');
      }
      return describeVersion(ctx, updated, undefined, 'updating');
    },

    async updateFunctionConfiguration(
      functionName: string,
      input: UpdateFunctionConfigurationInput,
    ): Promise<FunctionConfiguration> {
      const loc = locateFunction(partition, functionName, undefined, { allowQualifier: false });
      requireFunction(ctx, loc.name);
      checkRevision(input.revisionId, requireVersion(ctx, loc.name, undefined).revisionId);
      checkConfigFields(input);
      const layers = input.layers !== undefined ? resolveLayers(ctx, input.layers) : undefined;
      const { previous, updated } = store.transaction(() => {
        const previous = requireVersion(ctx, loc.name, undefined);
        checkRevision(input.revisionId, previous.revisionId);
        if (layers) {
          checkUnzippedTotal(
            ctx,
            previous.code.sha256Hex,
            layers.map((l) => l.sha256Hex),
          );
        }
        const { environment: _env, deadLetterTargetArn: _dlq, kmsKeyArn: _kms, ...kept } = previous;
        const environment =
          input.environment !== undefined ? environmentOf(input.environment) : previous.environment;
        const deadLetterTargetArn =
          input.deadLetterTargetArn !== undefined
            ? input.deadLetterTargetArn || undefined
            : previous.deadLetterTargetArn;
        const kmsKeyArn = input.kmsKeyArn !== undefined ? input.kmsKeyArn || undefined : previous.kmsKeyArn;
        const updated: FunctionVersionRecord = {
          ...kept,
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.role !== undefined ? { role: input.role } : {}),
          ...(input.runtime !== undefined ? { runtime: input.runtime } : {}),
          ...(input.handler !== undefined ? { handler: input.handler } : {}),
          ...(input.memorySize !== undefined ? { memorySize: input.memorySize } : {}),
          ...(input.timeout !== undefined ? { timeout: input.timeout } : {}),
          ...(input.ephemeralStorageSize !== undefined
            ? { ephemeralStorageSize: input.ephemeralStorageSize }
            : {}),
          ...(input.tracingMode !== undefined
            ? { tracingMode: input.tracingMode as 'Active' | 'PassThrough' }
            : {}),
          ...(input.snapStartApplyOn !== undefined
            ? { snapStartApplyOn: input.snapStartApplyOn as 'None' | 'PublishedVersions' }
            : {}),
          ...(environment !== undefined ? { environment } : {}),
          ...(deadLetterTargetArn !== undefined ? { deadLetterTargetArn } : {}),
          ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
          logging: logging(loc.name, input, previous.logging),
          layers: layers ?? previous.layers,
          revisionId: randomUUID(),
          contentRevision: randomUUID(),
          lastModified: nowIso(),
        };
        store.putVersion(updated);
        return { previous, updated };
      });
      ctx.changed({
        kind: 'function-updated',
        functionArn: functionArn(partition, loc.name),
        version: LATEST,
      });
      await releaseArtifacts(previous.layers.map((l) => l.sha256Hex));
      return describeVersion(ctx, updated, undefined, 'updating');
    },

    async deleteFunction(functionName: string, qualifier?: string): Promise<void> {
      const loc = locateFunction(partition, functionName, qualifier, { maxLength: 140 });
      if (loc.qualifier === LATEST) {
        throw Errors.invalidParameterValue(
          '$LATEST version cannot be deleted without deleting the function.',
        );
      }
      requireFunction(ctx, loc.name);
      const arn = functionArn(partition, loc.name);
      if (loc.qualifier !== undefined) {
        const q = loc.qualifier;
        if (!isVersionQualifier(q)) {
          throw Errors.invalidParameterValue(
            `Deletion of aliases is not supported by DeleteFunction: ${q} is an alias; use DeleteAlias.`,
          );
        }
        const version = store.getVersion(loc.name, q);
        if (!version) return; // Deleting a version that is not there is not an error (as AWS).
        const referencing = store
          .listAliases(loc.name)
          .filter(
            (a) => a.functionVersion === q || (a.additionalVersionWeights && q in a.additionalVersionWeights),
          )
          .map((a) => a.name);
        if (referencing.length > 0) {
          throw Errors.resourceConflict(
            `Unable to delete version because the following aliases reference it: [${referencing.join(', ')}]`,
          );
        }
        store.deleteVersion(loc.name, q);
        ctx.changed({ kind: 'version-deleted', functionArn: arn, version: q });
        await releaseArtifacts(hexesOf(version));
        return;
      }
      const versions = store.listVersions(loc.name);
      store.deleteFunction(loc.name);
      ctx.changed({ kind: 'function-deleted', functionArn: arn });
      await releaseArtifacts(versions.flatMap(hexesOf));
    },

    publishVersion(functionName: string, input: PublishVersionInput): FunctionConfiguration {
      const loc = locateFunction(partition, functionName, undefined, { allowQualifier: false });
      const { version, created } = publish(loc.name, input);
      ctx.changed();
      return describeVersion(ctx, version, version.version, created ? 'publishing' : 'settled');
    },

    listVersionsByFunction(functionName: string, params: ListParams): Page<FunctionConfiguration> {
      const loc = locateFunction(partition, functionName, undefined, { allowQualifier: false });
      requireFunction(ctx, loc.name);
      const items = store.listVersions(loc.name).map((v) => describeVersion(ctx, v, v.version, 'settled'));
      return paginate(items, (c) => c.version, params);
    },

    tagResource(resource: string, tags: Readonly<Record<string, string>>): void {
      if (Object.keys(tags).length === 0) {
        throw Errors.invalidParameterValue('An error occurred and the request cannot be processed.');
      }
      const name = taggableFunction(ctx, resource);
      store.transaction(() => {
        const fn = requireFunction(ctx, name);
        const merged = { ...fn.tags, ...tags };
        checkTags(merged);
        store.updateFunction({ ...fn, tags: merged });
        bumpRevision(ctx, name);
      });
      ctx.changed();
    },

    untagResource(resource: string, tagKeys: readonly string[]): void {
      if (tagKeys.length === 0) {
        throw Errors.validation(
          "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null",
        );
      }
      const name = taggableFunction(ctx, resource);
      store.transaction(() => {
        const fn = requireFunction(ctx, name);
        const remaining = Object.fromEntries(Object.entries(fn.tags).filter(([k]) => !tagKeys.includes(k)));
        store.updateFunction({ ...fn, tags: remaining });
        bumpRevision(ctx, name);
      });
      ctx.changed();
    },

    listTags(resource: string): Readonly<Record<string, string>> {
      return requireFunction(ctx, taggableFunction(ctx, resource)).tags;
    },

    getAccountSettings(): AccountSettings {
      const concurrency = options.accountConcurrency?.() ?? {
        concurrentExecutions: 1000,
        unreservedConcurrentExecutions: 1000,
      };
      return {
        accountLimit: {
          totalCodeSize: 80_530_636_800,
          codeSizeUnzipped: CODE_SIZE_UNZIPPED_LIMIT,
          codeSizeZipped: CODE_SIZE_ZIPPED_LIMIT,
          concurrentExecutions: concurrency.concurrentExecutions,
          unreservedConcurrentExecutions: concurrency.unreservedConcurrentExecutions,
        },
        accountUsage: { totalCodeSize: store.totalCodeSize(), functionCount: store.listFunctions().length },
      };
    },
  };
}

/** Tagging changes the function's RevisionId (not its content: environments keep running). */
function bumpRevision(ctx: ControlContext, name: string): void {
  const latest = ctx.store.getVersion(name, LATEST);
  if (latest) ctx.store.putVersion({ ...latest, revisionId: randomUUID() });
}

const TAGGABLE_ARN =
  /^arn:(aws[a-zA-Z-]*):lambda:(?<region>[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}):(?<account>\d{12}):function:(?<name>[a-zA-Z0-9-_]+)(:(?<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?$/;

/** Tags live on functions only, addressed by unqualified function ARN. */
function taggableFunction(ctx: ControlContext, resource: string): string {
  // SECURITY: the resource ARN comes from the request path.
  const m = TAGGABLE_ARN.exec(resource);
  if (!m?.groups?.name) {
    throw Errors.validation(
      validationMessage([
        {
          value: resource,
          field: 'resource',
          constraint:
            'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})',
        },
      ]),
    );
  }
  if (m.groups.qualifier !== undefined) {
    throw Errors.invalidParameterValue(
      'Tagging operations are permitted on Lambda functions only. Tags on aliases and versions are not supported. Please specify either a function name or a function ARN.',
    );
  }
  const name = m.groups.name;
  if (m.groups.region !== ctx.partition.region || m.groups.account !== ctx.partition.accountId) {
    throw Errors.resourceNotFound(`Function not found: ${resource}`);
  }
  return name;
}

export type FunctionOperations = ReturnType<typeof createFunctionOperations>;
