// Aliases: named pointers to a version, optionally splitting traffic with one additional version
// (RoutingConfig.AdditionalVersionWeights). Validation and messages as AWS.

import { randomUUID } from 'node:crypto';
import { Errors, validationMessage } from '../errors.js';
import type { AliasRecord } from '../store/index.js';
import { type ControlContext, requireFunction, requireVersion } from './context.js';
import { LATEST, isAliasName, isVersionQualifier, locateFunction, qualifiedArn } from './names.js';
import { paginate } from './pagination.js';
import type { AliasConfiguration, CreateAliasInput, ListParams, Page, UpdateAliasInput } from './types.js';
import { LIMITS } from './validation.js';

const ALIAS_NAME_PATTERN_TEXT = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const VERSION_PATTERN_TEXT = '(\\$LATEST|[0-9]+)';

export function createAliasOperations(ctx: ControlContext) {
  const { store, partition } = ctx;

  const view = (alias: AliasRecord): AliasConfiguration => ({
    aliasArn: qualifiedArn(partition, alias.functionName, alias.name),
    name: alias.name,
    functionVersion: alias.functionVersion,
    description: alias.description,
    ...(alias.additionalVersionWeights ? { additionalVersionWeights: alias.additionalVersionWeights } : {}),
    revisionId: alias.revisionId,
  });

  const locate = (functionName: string) =>
    locateFunction(partition, functionName, undefined, { allowQualifier: false }).name;

  /**
   * Runs one change of an alias in a store transaction (checks included, so nothing changes between them
   * and the write), then tells listeners and returns the alias as the API shows it.
   */
  function commit(change: () => AliasRecord): AliasConfiguration {
    const alias = store.transaction(change);
    ctx.changed();
    return view(alias);
  }

  /** Writes the alias as a new revision; `weights` replace whatever routing it had. */
  function putRevision(
    fields: Omit<AliasRecord, 'additionalVersionWeights' | 'revisionId'>,
    weights: Record<string, number> | undefined,
  ): AliasRecord {
    const alias: AliasRecord = {
      ...fields,
      ...(weights ? { additionalVersionWeights: weights } : {}),
      revisionId: randomUUID(),
    };
    store.putAlias(alias);
    return alias;
  }

  function requireAlias(functionName: string, name: string): AliasRecord {
    const alias = store.getAlias(functionName, name);
    if (!alias)
      throw Errors.resourceNotFound(`Cannot find alias arn: ${qualifiedArn(partition, functionName, name)}`);
    return alias;
  }

  function checkFields(
    name: string | undefined,
    functionVersion: string | undefined,
    description: string | undefined,
  ) {
    const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
    if (name !== undefined) {
      if (name.length > 128) {
        failures.push({
          value: name,
          field: 'name',
          constraint: 'Member must have length less than or equal to 128',
        });
      }
      if (!isAliasName(name)) {
        failures.push({
          value: name,
          field: 'name',
          constraint: `Member must satisfy regular expression pattern: ${ALIAS_NAME_PATTERN_TEXT}`,
        });
      }
    }
    if (functionVersion !== undefined && functionVersion !== LATEST && !isVersionQualifier(functionVersion)) {
      failures.push({
        value: functionVersion,
        field: 'functionVersion',
        constraint: `Member must satisfy regular expression pattern: ${VERSION_PATTERN_TEXT}`,
      });
    }
    if (description !== undefined && description.length > LIMITS.descriptionMax) {
      failures.push({
        value: description,
        field: 'description',
        constraint: `Member must have length less than or equal to ${LIMITS.descriptionMax}`,
      });
    }
    if (failures.length > 0) throw Errors.validation(validationMessage(failures));
  }

  /** RoutingConfig rules, in AWS's order (LocalStack's AWS-validated alias tests). */
  function checkRouting(
    functionName: string,
    target: string,
    weights: Readonly<Record<string, number>> | undefined,
  ): Readonly<Record<string, number>> | undefined {
    if (weights === undefined || Object.keys(weights).length === 0) return undefined;
    const entries = Object.entries(weights);
    if (entries.length > 1) {
      throw Errors.invalidParameterValue(
        'Number of items in AdditionalVersionWeights cannot be greater than 1',
      );
    }
    for (const [version, weight] of entries) {
      if (!(weight >= 0 && weight < 1)) {
        throw Errors.validation(
          `1 validation error detected: Value '{${version}=${weight}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]`,
        );
      }
      if (version === target) {
        throw Errors.invalidParameterValue(
          `Invalid function version ${target}. Function version ${target} is already included in routing configuration.`,
        );
      }
      if (target === LATEST) {
        throw Errors.invalidParameterValue(
          '$LATEST is not supported for an alias pointing to more than 1 version',
        );
      }
      if (!isVersionQualifier(version)) {
        throw Errors.validation(
          `1 validation error detected: Value '{${version}=${weight}}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+, Member must not be null]`,
        );
      }
      requireVersion(ctx, functionName, version);
    }
    return { ...weights };
  }

  return {
    createAlias(functionName: string, input: CreateAliasInput): AliasConfiguration {
      const name = locate(functionName);
      checkFields(input.name, input.functionVersion, input.description);
      return commit(() => {
        requireFunction(ctx, name);
        requireVersion(ctx, name, input.functionVersion);
        const existing = store.getAlias(name, input.name);
        if (existing) {
          throw Errors.resourceConflict(`Alias already exists: ${qualifiedArn(partition, name, input.name)}`);
        }
        const weights = checkRouting(name, input.functionVersion, input.additionalVersionWeights);
        return putRevision(
          {
            functionName: name,
            name: input.name,
            functionVersion: input.functionVersion,
            description: input.description ?? '',
          },
          weights,
        );
      });
    },

    getAlias(functionName: string, aliasName: string): AliasConfiguration {
      const name = locate(functionName);
      checkFields(aliasName, undefined, undefined);
      requireFunction(ctx, name);
      return view(requireAlias(name, aliasName));
    },

    updateAlias(functionName: string, aliasName: string, input: UpdateAliasInput): AliasConfiguration {
      const name = locate(functionName);
      checkFields(aliasName, input.functionVersion, input.description);
      return commit(() => {
        requireFunction(ctx, name);
        const current = requireAlias(name, aliasName);
        if (input.revisionId !== undefined && input.revisionId !== current.revisionId) {
          throw Errors.preconditionFailed(
            'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
          );
        }
        const target = input.functionVersion ?? current.functionVersion;
        if (input.functionVersion !== undefined) requireVersion(ctx, name, input.functionVersion);
        const weights =
          input.additionalVersionWeights !== undefined
            ? checkRouting(name, target, input.additionalVersionWeights)
            : checkRouting(name, target, current.additionalVersionWeights);
        const { additionalVersionWeights: _old, revisionId: _previous, ...kept } = current;
        return putRevision(
          { ...kept, functionVersion: target, description: input.description ?? current.description },
          weights,
        );
      });
    },

    deleteAlias(functionName: string, aliasName: string): void {
      const name = locate(functionName);
      checkFields(aliasName, undefined, undefined);
      requireFunction(ctx, name);
      requireAlias(name, aliasName);
      store.deleteAlias(name, aliasName);
      ctx.changed();
    },

    listAliases(
      functionName: string,
      params: ListParams & { functionVersion?: string },
    ): Page<AliasConfiguration> {
      const name = locate(functionName);
      checkFields(undefined, params.functionVersion, undefined);
      requireFunction(ctx, name);
      const items = store
        .listAliases(name)
        .filter(
          (a) =>
            params.functionVersion === undefined ||
            a.functionVersion === params.functionVersion ||
            (a.additionalVersionWeights !== undefined &&
              params.functionVersion in a.additionalVersionWeights),
        )
        .map(view);
      return paginate(items, (a) => a.name, params);
    },
  };
}

export type AliasOperations = ReturnType<typeof createAliasOperations>;
