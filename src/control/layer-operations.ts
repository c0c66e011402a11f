// Layers: PublishLayerVersion (numbers per layer name, never reused), Get/GetByArn/List/ListVersions/
// Delete, and the checks a function's Layers list must pass.

import { Errors, validationMessage } from '../errors.js';
import type { LayerRef, LayerVersionRecord } from '../store/index.js';
import { type ControlContext, nowIso, withUploadedCode } from './context.js';
import { layerArn, layerNameOf, layerVersionArn, parseLayerVersionArn } from './names.js';
import { paginate } from './pagination.js';
import type {
  LayerSummary,
  LayerVersion,
  ListLayersParams,
  Page,
  PublishLayerVersionInput,
} from './types.js';
import { ARCHITECTURES, AWS_RUNTIMES, LIMITS } from './validation.js';

const LAYER_VERSION_ARN_PATTERN_TEXT =
  '(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';

/** Checks a function's Layers list as Lambda does and returns the layers' content references. */
export function resolveLayers(ctx: ControlContext, arns: readonly string[]): LayerRef[] {
  if (arns.length > LIMITS.layersPerFunction) {
    throw Errors.invalidParameterValue('Cannot reference more than 5 layers.');
  }
  const seen = new Map<string, string>();
  return arns.map((arn) => {
    const loc = parseLayerVersionArn(arn);
    if (!loc) {
      throw Errors.validation(
        validationMessage([
          {
            value: `[${arn}]`,
            field: 'layers',
            constraint: `Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${LAYER_VERSION_ARN_PATTERN_TEXT}, Member must not be null]`,
          },
        ]),
      );
    }
    if (loc.region !== ctx.partition.region) {
      throw Errors.invalidParameterValue(
        `Layers are not in the same region as the function. Layers are expected to be in region ${ctx.partition.region}.`,
      );
    }
    const record =
      loc.accountId === ctx.partition.accountId
        ? ctx.store.getLayerVersion(loc.name, loc.version)
        : undefined;
    if (!record) throw Errors.invalidParameterValue(`Layer version ${arn} does not exist.`);
    const unversioned = arn.slice(0, arn.lastIndexOf(':'));
    const earlier = seen.get(unversioned);
    if (earlier !== undefined) {
      throw Errors.invalidParameterValue(
        `Two different versions of the same layer are not allowed to be referenced in the same function. ${earlier} and ${arn} are versions of the same layer.`,
      );
    }
    seen.set(unversioned, arn);
    return { arn, ...record.code };
  });
}

function checkCompatibility(
  runtimes: readonly string[] | undefined,
  architectures: readonly string[] | undefined,
) {
  const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
  if (runtimes?.some((r) => !(AWS_RUNTIMES as readonly string[]).includes(r))) {
    failures.push({
      value: `[${runtimes.join(', ')}]`,
      field: 'compatibleRuntimes',
      constraint: `Member must satisfy enum value set: [${AWS_RUNTIMES.join(', ')}]`,
    });
  }
  if (runtimes && runtimes.length > 15) {
    failures.push({
      value: `[${runtimes.join(', ')}]`,
      field: 'compatibleRuntimes',
      constraint: 'Member must have length less than or equal to 15',
    });
  }
  if (architectures?.some((a) => !(ARCHITECTURES as readonly string[]).includes(a))) {
    failures.push({
      value: `[${architectures.join(', ')}]`,
      field: 'compatibleArchitectures',
      constraint: 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]',
    });
  }
  if (failures.length > 0) throw Errors.validation(validationMessage(failures));
}

function checkVersionNumber(version: number): void {
  if (!Number.isInteger(version) || version < 1) {
    throw Errors.invalidParameterValue('Layer Version Cannot be less than 1');
  }
}

export function createLayerOperations(ctx: ControlContext) {
  const { store, partition } = ctx;

  const view = (record: LayerVersionRecord): LayerVersion => ({
    ...record,
    layerArn: layerArn(partition, record.layerName),
    layerVersionArn: layerVersionArn(partition, record.layerName, record.version),
  });

  const notFound = () => Errors.resourceNotFound('The resource you requested does not exist.');

  const matches = (record: LayerVersionRecord, runtime?: string, architecture?: string) =>
    (runtime === undefined || record.compatibleRuntimes.includes(runtime)) &&
    (architecture === undefined || record.compatibleArchitectures.includes(architecture));

  const checkFilters = (runtime?: string, architecture?: string) => {
    const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
    if (runtime !== undefined && !(AWS_RUNTIMES as readonly string[]).includes(runtime)) {
      failures.push({
        value: runtime,
        field: 'compatibleRuntime',
        constraint: `Member must satisfy enum value set: [${AWS_RUNTIMES.join(', ')}]`,
      });
    }
    if (architecture !== undefined && !(ARCHITECTURES as readonly string[]).includes(architecture)) {
      failures.push({
        value: architecture,
        field: 'compatibleArchitecture',
        constraint: 'Member must satisfy enum value set: [x86_64, arm64]',
      });
    }
    if (failures.length > 0) throw Errors.validation(validationMessage(failures));
  };

  return {
    async publishLayerVersion(input: PublishLayerVersionInput): Promise<LayerVersion> {
      const name = layerNameOf(partition, input.layerName);
      if (input.description !== undefined && input.description.length > LIMITS.descriptionMax) {
        throw Errors.validation(
          validationMessage([
            {
              value: input.description,
              field: 'description',
              constraint: `Member must have length less than or equal to ${LIMITS.descriptionMax}`,
            },
          ]),
        );
      }
      checkCompatibility(input.compatibleRuntimes, input.compatibleArchitectures);
      const record = await withUploadedCode(ctx, input.content, 'PublishLayerVersion', (artifact) =>
        store.transaction(() => {
          const record: LayerVersionRecord = {
            layerName: name,
            version: store.reserveLayerVersion(name),
            description: input.description ?? '',
            ...(input.licenseInfo !== undefined ? { licenseInfo: input.licenseInfo } : {}),
            compatibleRuntimes: [...(input.compatibleRuntimes ?? [])],
            compatibleArchitectures: [...(input.compatibleArchitectures ?? [])],
            createdDate: nowIso(),
            code: {
              sha256Hex: artifact.sha256Hex,
              codeSha256: artifact.codeSha256,
              codeSize: artifact.codeSize,
            },
          };
          store.putLayerVersion(record);
          return record;
        }),
      );
      return view(record);
    },

    getLayerVersion(layerName: string, version: number): LayerVersion {
      checkVersionNumber(version);
      const record = store.getLayerVersion(layerNameOf(partition, layerName), version);
      if (!record) throw notFound();
      return view(record);
    },

    getLayerVersionByArn(arn: string): LayerVersion {
      const loc = parseLayerVersionArn(arn);
      if (!loc) {
        throw Errors.validation(
          validationMessage([
            {
              value: arn,
              field: 'arn',
              constraint:
                'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)',
            },
          ]),
        );
      }
      if (loc.region !== partition.region || loc.accountId !== partition.accountId) throw notFound();
      const record = store.getLayerVersion(loc.name, loc.version);
      if (!record) throw notFound();
      return view(record);
    },

    listLayers(params: ListLayersParams): Page<LayerSummary> {
      checkFilters(params.compatibleRuntime, params.compatibleArchitecture);
      const items: LayerSummary[] = [];
      for (const name of store.listLayerNames()) {
        const latest = store
          .listLayerVersions(name)
          .find((r) => matches(r, params.compatibleRuntime, params.compatibleArchitecture));
        if (latest) {
          items.push({
            layerName: name,
            layerArn: layerArn(partition, name),
            latestMatchingVersion: view(latest),
          });
        }
      }
      return paginate(items, (s) => s.layerName, params);
    },

    listLayerVersions(layerName: string, params: ListLayersParams): Page<LayerVersion> {
      checkFilters(params.compatibleRuntime, params.compatibleArchitecture);
      const items = store
        .listLayerVersions(layerNameOf(partition, layerName))
        .filter((r) => matches(r, params.compatibleRuntime, params.compatibleArchitecture))
        .map(view);
      return paginate(items, (v) => v.layerVersionArn, params);
    },

    async deleteLayerVersion(layerName: string, version: number): Promise<void> {
      checkVersionNumber(version);
      const name = layerNameOf(partition, layerName);
      const record = store.getLayerVersion(name, version);
      // Deleting a layer version that is not there is not an error (as AWS).
      if (!record) return;
      store.deleteLayerVersion(name, version);
      // Functions that use the layer keep its content: the artifact goes only when nothing references it.
      await ctx.artifacts.removeIfUnreferenced(record.code.sha256Hex);
    },
  };
}

export type LayerOperations = ReturnType<typeof createLayerOperations>;
