// The concurrency service: reserved concurrency (Put/Get/DeleteFunctionConcurrency), provisioned
// concurrency (Put/Get/List/DeleteProvisionedConcurrencyConfig), the account figures GetAccountSettings
// and GetFunction report, and the admission the invoker applies. Settings persist in the store; the
// provisioned environments themselves are the worker's, which this service keeps in line with the
// configurations (reconcile): on start, on every change here or in the control plane, and every second
// (an alias moved to another version says nothing to anyone).

import {
  type FunctionResolver,
  type FunctionVersionSpec,
  LATEST,
  type ListParams,
  type Page,
  type Partition,
  isVersionQualifier,
  locateFunction,
  paginate,
  qualifiedArn,
} from '../../control/index.js';
import { Errors, LambdaServiceError } from '../../errors.js';
import type { SqliteDatabase } from '../../store/index.js';
import type { ProvisionedAllocation, Worker } from '../../worker/index.js';
import { Admission, type AdmissionLimits, versionKey } from './admission.js';
import {
  type ConcurrencyPicture,
  checkProvisioned,
  checkReservation,
  provisionedSum,
  unreservedConcurrency,
} from './limits.js';
import { ConcurrencySettingsStore, type ProvisionedConfigRecord } from './settings-store.js';

export interface ConcurrencyOptions {
  readonly db: SqliteDatabase;
  readonly partition: Partition;
  /** config.concurrencyLimit: the account concurrency limit. */
  readonly concurrencyLimit: number;
  readonly resolver: FunctionResolver;
  readonly worker: Pick<Worker, 'provision' | 'provisioned'>;
  /** Hears control-plane changes (Control.subscribe) so provisioned environments follow them. */
  readonly subscribe?: (listener: () => void) => () => void;
  readonly onError?: (err: unknown, context: string) => void;
  /** How often configurations are re-resolved (alias moves); default 1 s. */
  readonly reconcileIntervalMs?: number;
  readonly now?: () => Date;
}

/** A provisioned-concurrency configuration with what is allocated for it now. */
export interface ProvisionedConcurrencyConfig {
  /** The function ARN qualified with the configuration's qualifier. */
  readonly functionArn: string;
  readonly requested: number;
  readonly available: number;
  readonly allocated: number;
  readonly status: ProvisionedAllocation['status'];
  readonly statusReason?: string;
  /** ISO 8601 with milliseconds, UTC. */
  readonly lastModified: string;
}

export interface AccountConcurrencyFigures {
  readonly concurrentExecutions: number;
  readonly unreservedConcurrentExecutions: number;
}

export interface Concurrency {
  /** What the invoker admits invocations with. */
  readonly admission: Admission;
  /** GetFunction's Concurrency.ReservedConcurrentExecutions. */
  reservedConcurrency(functionName: string): number | undefined;
  /** GetAccountSettings' ConcurrentExecutions and UnreservedConcurrentExecutions. */
  accountConcurrency(): AccountConcurrencyFigures;

  putFunctionConcurrency(
    functionName: string,
    reserved: number,
  ): { readonly reservedConcurrentExecutions: number };
  getFunctionConcurrency(functionName: string): { readonly reservedConcurrentExecutions?: number };
  deleteFunctionConcurrency(functionName: string): void;

  putProvisionedConcurrencyConfig(
    functionName: string,
    qualifier: string | undefined,
    requested: number,
  ): ProvisionedConcurrencyConfig;
  getProvisionedConcurrencyConfig(
    functionName: string,
    qualifier: string | undefined,
  ): ProvisionedConcurrencyConfig;
  listProvisionedConcurrencyConfigs(
    functionName: string,
    params: ListParams,
  ): Page<ProvisionedConcurrencyConfig>;
  deleteProvisionedConcurrencyConfig(functionName: string, qualifier: string | undefined): void;

  /** Brings admission and the worker's provisioned environments in line with the configurations. */
  reconcile(): void;
  /** Provisions what the configurations ask for (after a restart too) and starts following changes. */
  start(): void;
  stop(): void;
}

const PC_ONLY_PUBLISHED =
  'Provisioned Concurrency Configs cannot be applied to unpublished function versions.';
const PC_ALIAS_OR_VERSION = 'The function resource provided must be an alias or a published version.';
const UNQUALIFIED_ONLY =
  'This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.';

export function createConcurrency(opts: ConcurrencyOptions): Concurrency {
  const store = new ConcurrencySettingsStore(opts.db);
  const { partition, resolver, worker } = opts;
  const now = opts.now ?? (() => new Date());
  const onError = opts.onError ?? (() => undefined);
  const admission = new Admission(limitsOf(load(), new Map()));
  /** Worker keys currently provisioned, so configurations that went away are ended. */
  let provisionedKeys = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;

  function load(): ConcurrencyPicture & { readonly configs: ProvisionedConfigRecord[] } {
    const configs = store.provisionedConfigs();
    const provisioned = new Map<string, Map<string, number>>();
    for (const c of configs) {
      let byQualifier = provisioned.get(c.functionName);
      if (byQualifier === undefined) {
        byQualifier = new Map();
        provisioned.set(c.functionName, byQualifier);
      }
      byQualifier.set(c.qualifier, c.requested);
    }
    return { accountLimit: opts.concurrencyLimit, reserved: store.reservations(), provisioned, configs };
  }

  function limitsOf(p: ConcurrencyPicture, byVersion: ReadonlyMap<string, number>): AdmissionLimits {
    let reservedSum = 0;
    for (const r of p.reserved.values()) reservedSum += r;
    const provisionedByFunction = new Map<string, number>();
    for (const name of p.provisioned.keys()) provisionedByFunction.set(name, provisionedSum(p, name));
    return {
      accountLimit: p.accountLimit,
      reserved: p.reserved,
      unreservedPool: unreservedConcurrency(p),
      provisionedByFunction,
      provisionedByVersion: byVersion,
    };
  }

  /** The version a configuration's qualifier runs now; undefined when the version or alias is gone. */
  function versionOf(functionName: string, qualifier: string): FunctionVersionSpec | undefined {
    try {
      // An alias with weighted routing provisions its primary version.
      return resolver.resolve(functionName, qualifier).candidates[0]?.spec;
    } catch (err) {
      if (err instanceof LambdaServiceError && err.status === 404) return undefined;
      throw err;
    }
  }

  const workerKey = (c: ProvisionedConfigRecord) => `${c.functionName}:${c.qualifier}`;

  function reconcile(): void {
    const picture = load();
    const byVersion = new Map<string, number>();
    const wanted = new Set<string>();
    for (const c of picture.configs) {
      let spec: FunctionVersionSpec | undefined;
      try {
        spec = versionOf(c.functionName, c.qualifier);
      } catch (err) {
        onError(err, `resolving provisioned concurrency of ${c.functionName}:${c.qualifier}`);
        continue;
      }
      if (spec === undefined) {
        // Its version or alias was deleted: the configuration goes with it, as in Lambda.
        store.deleteProvisioned(c.functionName, c.qualifier);
        continue;
      }
      const vKey = versionKey(c.functionName, spec.version);
      byVersion.set(vKey, (byVersion.get(vKey) ?? 0) + c.requested);
      const key = workerKey(c);
      wanted.add(key);
      worker.provision(key, { spec, count: c.requested, generation: c.lastModified });
    }
    for (const key of provisionedKeys) if (!wanted.has(key)) worker.provision(key, undefined);
    provisionedKeys = wanted;
    admission.update(limitsOf(load(), byVersion));
  }

  /** The function must exist (ResourceNotFoundException otherwise), spelled as `missingArn` says. */
  function requireFunction(name: string, missingArn: string): void {
    try {
      resolver.resolve(name, undefined);
    } catch (err) {
      if (err instanceof LambdaServiceError && err.status === 404) {
        throw Errors.resourceNotFound(`Function not found: ${missingArn}`);
      }
      throw err;
    }
  }

  /** Locates an unqualified function for the reserved-concurrency operations. */
  function unqualified(functionName: string): string {
    const loc = locateFunction(partition, functionName, undefined, {
      maxLength: 140,
      allowQualifier: false,
      qualifiedMessage: UNQUALIFIED_ONLY,
    });
    return loc.name;
  }

  /** Locates a function and the published version or alias a provisioned configuration is for. */
  function target(
    functionName: string,
    qualifier: string | undefined,
    latestMessage: string,
  ): { readonly name: string; readonly qualifier: string } {
    const loc = locateFunction(partition, functionName, qualifier, { maxLength: 140 });
    if (loc.qualifier === undefined) {
      throw Errors.validation(
        "1 validation error detected: Value null at 'qualifier' failed to satisfy constraint: Member must not be null",
      );
    }
    if (loc.qualifier === LATEST) throw Errors.invalidParameterValue(latestMessage);
    requireFunction(loc.name, qualifiedArn(partition, loc.name, undefined));
    if (versionOf(loc.name, loc.qualifier) === undefined) {
      const arn = qualifiedArn(partition, loc.name, loc.qualifier);
      throw Errors.resourceNotFound(
        isVersionQualifier(loc.qualifier) ? `Function not found: ${arn}` : `Cannot find alias arn: ${arn}`,
      );
    }
    return { name: loc.name, qualifier: loc.qualifier };
  }

  function describe(c: ProvisionedConfigRecord): ProvisionedConcurrencyConfig {
    const a = worker.provisioned(workerKey(c));
    return {
      functionArn: qualifiedArn(partition, c.functionName, c.qualifier),
      requested: c.requested,
      available: a?.available ?? 0,
      allocated: a?.allocated ?? 0,
      status: a?.status ?? 'IN_PROGRESS',
      ...(a?.statusReason !== undefined ? { statusReason: a.statusReason } : {}),
      lastModified: c.lastModified,
    };
  }

  function configOf(name: string, qualifier: string): ProvisionedConfigRecord | undefined {
    return store.provisionedConfigs().find((c) => c.functionName === name && c.qualifier === qualifier);
  }

  /** Lambda allows one configuration per version: on the version itself or on one alias of it. */
  function checkOverlap(name: string, qualifier: string): void {
    const others = store
      .provisionedConfigs()
      .filter((c) => c.functionName === name && c.qualifier !== qualifier);
    if (others.length === 0) return;
    const version = versionOf(name, qualifier)?.version;
    if (isVersionQualifier(qualifier)) {
      if (
        others.some(
          (c) => !isVersionQualifier(c.qualifier) && versionOf(name, c.qualifier)?.version === qualifier,
        )
      ) {
        throw Errors.resourceConflict('Version is pointed by a Provisioned Concurrency alias');
      }
    } else if (others.some((c) => c.qualifier === version)) {
      throw Errors.resourceConflict(
        "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
      );
    }
  }

  return {
    admission,

    reservedConcurrency(functionName) {
      return store.reservations().get(functionName);
    },

    accountConcurrency() {
      return {
        concurrentExecutions: opts.concurrencyLimit,
        unreservedConcurrentExecutions: unreservedConcurrency(load()),
      };
    },

    putFunctionConcurrency(functionName, reserved) {
      const name = unqualified(functionName);
      // AWS names $LATEST when the function is missing here (wire contract 2.3).
      requireFunction(name, qualifiedArn(partition, name, LATEST));
      store.transaction(() => {
        checkReservation(load(), name, reserved);
        store.putReserved(name, reserved);
      });
      reconcile();
      return { reservedConcurrentExecutions: reserved };
    },

    getFunctionConcurrency(functionName) {
      const name = unqualified(functionName);
      requireFunction(name, qualifiedArn(partition, name, undefined));
      const reserved = store.reservations().get(name);
      return reserved === undefined ? {} : { reservedConcurrentExecutions: reserved };
    },

    deleteFunctionConcurrency(functionName) {
      const name = unqualified(functionName);
      requireFunction(name, qualifiedArn(partition, name, undefined));
      store.deleteReserved(name);
      reconcile();
    },

    putProvisionedConcurrencyConfig(functionName, qualifier, requested) {
      const t = target(functionName, qualifier, PC_ONLY_PUBLISHED);
      const record: ProvisionedConfigRecord = {
        functionName: t.name,
        qualifier: t.qualifier,
        requested,
        lastModified: now().toISOString(),
      };
      store.transaction(() => {
        checkProvisioned(load(), t.name, t.qualifier, requested);
        checkOverlap(t.name, t.qualifier);
        store.putProvisioned(record);
      });
      reconcile();
      return describe(record);
    },

    getProvisionedConcurrencyConfig(functionName, qualifier) {
      const t = target(functionName, qualifier, PC_ALIAS_OR_VERSION);
      const config = configOf(t.name, t.qualifier);
      if (config === undefined) {
        throw Errors.provisionedConcurrencyConfigNotFound(
          'No Provisioned Concurrency Config found for this function',
        );
      }
      return describe(config);
    },

    listProvisionedConcurrencyConfigs(functionName, params) {
      const name = unqualified(functionName);
      requireFunction(name, qualifiedArn(partition, name, undefined));
      const items = store
        .provisionedConfigs()
        .filter((c) => c.functionName === name)
        .map(describe);
      return paginate(items, (c) => c.functionArn, params);
    },

    deleteProvisionedConcurrencyConfig(functionName, qualifier) {
      const t = target(functionName, qualifier, PC_ALIAS_OR_VERSION);
      // Deleting a configuration that is not there is not an error (as AWS).
      store.deleteProvisioned(t.name, t.qualifier);
      reconcile();
    },

    reconcile,

    start() {
      reconcile();
      const safely = () => {
        try {
          reconcile();
        } catch (err) {
          onError(err, 'reconciling provisioned concurrency');
        }
      };
      unsubscribe = opts.subscribe?.(safely) ?? null;
      timer = setInterval(safely, opts.reconcileIntervalMs ?? 1000);
      timer.unref();
    },

    stop() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
