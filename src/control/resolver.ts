// The invoke path's view of the control plane: a FunctionName and Qualifier resolved to immutable
// function version specs. Answers from memory; every committed change empties the cache (context.changed).

import { Errors } from '../errors.js';
import type { FunctionVersionRecord } from '../store/index.js';
import { type ControlContext, requireFunction, requireVersion } from './context.js';
import type { FunctionResolver, FunctionVersionSpec, InvokeTarget } from './model.js';
import { LATEST, functionArn, isVersionQualifier, locateFunction, qualifiedArn } from './names.js';

/** Distinct spellings cached before the cache starts over (a bound, not a tuning knob). */
const CACHE_LIMIT = 10_000;

export function createResolver(ctx: ControlContext): FunctionResolver {
  const cache = new Map<string, InvokeTarget>();
  ctx.onInvalidate(() => cache.clear());

  const spec = (v: FunctionVersionRecord): FunctionVersionSpec => ({
    functionName: v.functionName,
    functionArn: functionArn(ctx.partition, v.functionName),
    version: v.version,
    runtime: v.runtime,
    handler: v.handler,
    memorySize: v.memorySize,
    timeout: v.timeout,
    ephemeralStorageSize: v.ephemeralStorageSize,
    environment: v.environment ?? {},
    architectures: v.architectures,
    codeSha256: v.code.codeSha256,
    codeDir: ctx.artifacts.dirOf(v.code.sha256Hex),
    layers: v.layers.map((l) => ({ arn: l.arn, dir: ctx.artifacts.dirOf(l.sha256Hex) })),
    // Environments are built from code and configuration, not from tags: drain only when those change.
    revisionId: v.contentRevision,
    logGroup: v.logging.logGroup,
    logFormat: v.logging.logFormat,
    ...(v.deadLetterTargetArn ? { deadLetterTargetArn: v.deadLetterTargetArn } : {}),
  });

  function load(functionName: string, qualifier: string | undefined): InvokeTarget {
    const loc = locateFunction(ctx.partition, functionName, qualifier);
    const name = loc.name;
    requireFunction(ctx, name);
    const q = loc.qualifier;
    const invokedFunctionArn = qualifiedArn(ctx.partition, name, q);
    if (q === undefined || q === LATEST || isVersionQualifier(q)) {
      return { invokedFunctionArn, candidates: [{ spec: spec(requireVersion(ctx, name, q)), weight: 1 }] };
    }
    const alias = ctx.store.getAlias(name, q);
    if (!alias) throw Errors.resourceNotFound(`Function not found: ${invokedFunctionArn}`);
    const primary = spec(requireVersion(ctx, name, alias.functionVersion));
    const extra = Object.entries(alias.additionalVersionWeights ?? {}).filter(([, w]) => w > 0);
    const extraWeight = extra.reduce((sum, [, w]) => sum + w, 0);
    return {
      invokedFunctionArn,
      alias: alias.name,
      candidates: [
        { spec: primary, weight: 1 - extraWeight },
        ...extra.map(([version, weight]) => ({ spec: spec(requireVersion(ctx, name, version)), weight })),
      ],
    };
  }

  return {
    resolve(functionName, qualifier) {
      const key = `${functionName}\n${qualifier ?? ''}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const target = load(functionName, qualifier);
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(key, target);
      return target;
    },
  };
}
