// What every control-plane operation module shares: the store, the artifact storage, this server's
// account/region, change notification, and the lookups that raise AWS's not-found errors.

import { Errors, type LambdaServiceError } from '../errors.js';
import type { FunctionRecord, FunctionVersionRecord, Store } from '../store/index.js';
import {
  ArchiveRejected,
  type ArtifactStorage,
  CODE_SIZE_UNZIPPED_LIMIT,
  CODE_SIZE_ZIPPED_LIMIT,
  type CodeArtifact,
  MAX_ARCHIVE_ENTRIES,
  type PinnedArtifact,
} from './artifacts.js';
import { type Partition, functionArn, qualifiedArn } from './names.js';
import type { CodeInput, ControlEvent, ControlListener } from './types.js';

export interface ControlContext {
  readonly store: Store;
  readonly artifacts: ArtifactStorage;
  readonly partition: Partition;
  /** Tells listeners and drops every cached resolution. Call after each committed change. */
  changed(event?: ControlEvent): void;
  subscribe(listener: ControlListener): () => void;
  onInvalidate(fn: () => void): void;
}

export function createContext(
  store: Store,
  artifacts: ArtifactStorage,
  partition: Partition,
): ControlContext {
  const listeners = new Set<ControlListener>();
  const invalidators: Array<() => void> = [];
  return {
    store,
    artifacts,
    partition,
    changed(event) {
      for (const invalidate of invalidators) invalidate();
      if (!event) return;
      for (const listener of listeners) {
        try {
          listener(event);
        } catch {
          // A listener's failure must not undo or hide a committed change.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onInvalidate(fn) {
      invalidators.push(fn);
    },
  };
}

export function requireFunction(ctx: ControlContext, name: string): FunctionRecord {
  const fn = ctx.store.getFunction(name);
  if (!fn) throw Errors.resourceNotFound(`Function not found: ${functionArn(ctx.partition, name)}`);
  return fn;
}

/** A version by number or $LATEST; AWS names the qualified ARN when a qualifier was given. */
export function requireVersion(
  ctx: ControlContext,
  name: string,
  qualifier: string | undefined,
): FunctionVersionRecord {
  const version = ctx.store.getVersion(name, qualifier ?? '$LATEST');
  if (!version)
    throw Errors.resourceNotFound(`Function not found: ${qualifiedArn(ctx.partition, name, qualifier)}`);
  return version;
}

/** 413 as AWS answers an oversized upload (RequestEntityTooLargeException). */
export function requestEntityTooLarge(limit: number, operation: string): LambdaServiceError {
  return Errors.requestEntityTooLarge(
    `Request must be smaller than ${limit} bytes for the ${operation} operation`,
  );
}

/** Request-size limits AWS reports per operation (a 50 MB zip, base64-encoded, plus the JSON around it). */
export const REQUEST_LIMITS = {
  CreateFunction: 70_167_211,
  UpdateFunctionCode: 69_905_067,
  PublishLayerVersion: 69_905_067,
} as const;

export type UploadOperation = keyof typeof REQUEST_LIMITS;

const UNZIP_FAILED = 'Could not unzip uploaded file. Please check your file, then try to upload again.';

/**
 * Stores the uploaded deployment package and runs `use` with it. The artifact stays pinned until `use`
 * settles; when `use` throws, an artifact that nothing else references is removed again.
 */
export async function withUploadedCode<T>(
  ctx: ControlContext,
  code: CodeInput,
  operation: UploadOperation,
  use: (artifact: CodeArtifact) => T | Promise<T>,
): Promise<T> {
  const artifact = await ingestCode(ctx, code, operation);
  try {
    return await use(artifact);
  } catch (err) {
    artifact.release();
    await ctx.artifacts.removeIfUnreferenced(artifact.sha256Hex);
    throw err;
  } finally {
    artifact.release();
  }
}

/** Stores a deployment package given as ZipFile; refuses the other code sources with a reason. */
async function ingestCode(
  ctx: ControlContext,
  code: CodeInput,
  operation: UploadOperation,
): Promise<PinnedArtifact> {
  if (code.imageUri !== undefined) {
    throw Errors.invalidParameterValue(
      'ImageUri is not supported: this server runs .zip deployment packages (PackageType Zip) only.',
    );
  }
  if (code.s3Bucket !== undefined || code.s3Key !== undefined || code.s3ObjectVersion !== undefined) {
    throw Errors.invalidParameterValue(
      'S3 code locations are not supported yet: upload the deployment package inline as ZipFile (for example `--zip-file fileb://function.zip`).',
    );
  }
  if (code.zipFile === undefined || code.zipFile.length === 0) {
    throw Errors.invalidParameterValue('Please provide a source for function code.');
  }
  if (code.zipFile.length > CODE_SIZE_ZIPPED_LIMIT) {
    throw requestEntityTooLarge(REQUEST_LIMITS[operation], operation);
  }
  try {
    return await ctx.artifacts.ingest(code.zipFile);
  } catch (err) {
    if (err instanceof ArchiveRejected) {
      if (err.kind === 'too-large') {
        throw Errors.invalidParameterValue(
          `Unzipped size must be smaller than ${CODE_SIZE_UNZIPPED_LIMIT} bytes`,
        );
      }
      if (err.kind === 'too-many-entries') {
        // Lambda has no published entry quota; the refusal is worded as its other unzip refusals.
        throw Errors.invalidParameterValue(
          `Could not unzip uploaded file. The archive holds more than ${MAX_ARCHIVE_ENTRIES} entries.`,
          { cause: err },
        );
      }
      throw Errors.invalidParameterValue(UNZIP_FAILED, { cause: err });
    }
    throw err;
  }
}

/** Code plus layers, unzipped, must stay under Lambda's 250 MB. */
export function checkUnzippedTotal(
  ctx: ControlContext,
  codeHex: string,
  layerHexes: readonly string[],
): void {
  let total = ctx.store.getArtifact(codeHex)?.unzippedSize ?? 0;
  for (const hex of layerHexes) total += ctx.store.getArtifact(hex)?.unzippedSize ?? 0;
  if (total >= CODE_SIZE_UNZIPPED_LIMIT) {
    throw Errors.invalidParameterValue(
      `Unzipped size must be smaller than ${CODE_SIZE_UNZIPPED_LIMIT} bytes`,
    );
  }
}

/** Lambda's LastModified style is produced by the API layer; the store keeps ISO 8601 UTC. */
export const nowIso = () => new Date().toISOString();
