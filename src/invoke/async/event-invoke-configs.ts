// Event-invoke configs (Put/Get/Update/Delete/ListFunctionEventInvokeConfigs): per function qualifier,
// how many times a failed async event is retried, how old an event may get, and where outcomes go.
// Checks and messages follow AWS's.

import { LATEST, type Partition, qualifiedArn } from '../../control/index.js';
import { Errors, validationMessage } from '../../errors.js';
import type { SqliteDatabase } from '../../store/index.js';
import { parseDestinationArn } from './destination-arn.js';
import {
  DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
  DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
  type EventInvokeConfig,
} from './model.js';
import type { EffectiveConfig } from './retry-policy.js';

/** The settings a caller gives (Put replaces all of them; Update only those present). */
export interface EventInvokeSettings {
  readonly maximumRetryAttempts?: number;
  readonly maximumEventAgeInSeconds?: number;
  /** Undefined: not given; '' or null-like clears the destination (Update). */
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

export interface EffectiveEventInvokeConfig extends EffectiveConfig {
  readonly onSuccess?: string;
  readonly onFailure?: string;
}

interface ConfigRow {
  function_name: string;
  qualifier: string;
  maximum_retry_attempts: number | null;
  maximum_event_age_seconds: number | null;
  on_success: string | null;
  on_failure: string | null;
  last_modified: number;
}

export class EventInvokeConfigs {
  private readonly statements;
  /** The dispatcher asks per event; configs change rarely. */
  private readonly cache = new Map<string, EffectiveEventInvokeConfig>();

  constructor(
    db: SqliteDatabase,
    private readonly partition: Partition,
    private readonly now: () => number = Date.now,
  ) {
    this.statements = {
      get: db.prepare<[string, string], ConfigRow>(
        'SELECT * FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?',
      ),
      list: db.prepare<[string], ConfigRow>(
        'SELECT * FROM event_invoke_configs WHERE function_name = ? ORDER BY qualifier',
      ),
      put: db.prepare(
        `INSERT OR REPLACE INTO event_invoke_configs
           (function_name, qualifier, maximum_retry_attempts, maximum_event_age_seconds, on_success, on_failure, last_modified)
         VALUES (@functionName, @qualifier, @maximumRetryAttempts, @maximumEventAgeInSeconds, @onSuccess, @onFailure, @lastModified)`,
      ),
      delete: db.prepare('DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?'),
      deleteFunction: db.prepare('DELETE FROM event_invoke_configs WHERE function_name = ?'),
    };
  }

  /** The qualified ARN AWS reports a config under. */
  functionArn(functionName: string, qualifier: string): string {
    return qualifiedArn(this.partition, functionName, qualifier);
  }

  put(functionName: string, qualifier: string | undefined, settings: EventInvokeSettings): EventInvokeConfig {
    this.validate(settings);
    const config: EventInvokeConfig = {
      functionName,
      qualifier: qualifier ?? LATEST,
      ...definedOnly(settings),
      lastModified: this.now(),
    };
    this.write(config);
    return config;
  }

  update(
    functionName: string,
    qualifier: string | undefined,
    settings: EventInvokeSettings,
  ): EventInvokeConfig {
    this.validate(settings);
    const current = this.get(functionName, qualifier);
    const merged: EventInvokeConfig = {
      ...current,
      ...definedOnly(settings),
      lastModified: this.now(),
    };
    this.write(merged);
    return merged;
  }

  get(functionName: string, qualifier: string | undefined): EventInvokeConfig {
    const q = qualifier ?? LATEST;
    const row = this.statements.get.get(functionName, q);
    if (row === undefined) {
      throw Errors.resourceNotFound(
        `The function ${this.functionArn(functionName, q)} doesn't have an EventInvokeConfig`,
      );
    }
    return fromRow(row);
  }

  delete(functionName: string, qualifier: string | undefined): void {
    this.get(functionName, qualifier);
    this.statements.delete.run(functionName, qualifier ?? LATEST);
    this.cache.clear();
  }

  list(functionName: string): EventInvokeConfig[] {
    return this.statements.list.all(functionName).map(fromRow);
  }

  /** Forgets every config of a deleted function. */
  deleteFunction(functionName: string): void {
    this.statements.deleteFunction.run(functionName);
    this.cache.clear();
  }

  /** The settings an event of this function qualifier runs under: its config's values, else Lambda's defaults. */
  effective(functionName: string, qualifier: string | undefined): EffectiveEventInvokeConfig {
    const q = qualifier ?? LATEST;
    const key = `${functionName}\n${q}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const row = this.statements.get.get(functionName, q);
    const effective: EffectiveEventInvokeConfig = {
      maximumRetryAttempts: row?.maximum_retry_attempts ?? DEFAULT_MAXIMUM_RETRY_ATTEMPTS,
      maximumEventAgeInSeconds: row?.maximum_event_age_seconds ?? DEFAULT_MAXIMUM_EVENT_AGE_SECONDS,
      ...(row?.on_success ? { onSuccess: row.on_success } : {}),
      ...(row?.on_failure ? { onFailure: row.on_failure } : {}),
    };
    this.cache.set(key, effective);
    return effective;
  }

  private write(config: EventInvokeConfig): void {
    this.statements.put.run({
      functionName: config.functionName,
      qualifier: config.qualifier,
      maximumRetryAttempts: config.maximumRetryAttempts ?? null,
      maximumEventAgeInSeconds: config.maximumEventAgeInSeconds ?? null,
      onSuccess: config.onSuccess || null,
      onFailure: config.onFailure || null,
      lastModified: config.lastModified,
    });
    this.cache.clear();
  }

  private validate(settings: EventInvokeSettings): void {
    const failures: Array<{ value: unknown; field: string; constraint: string }> = [];
    const r = settings.maximumRetryAttempts;
    if (r !== undefined && (!Number.isInteger(r) || r < 0 || r > 2)) {
      failures.push({
        value: r,
        field: 'maximumRetryAttempts',
        constraint:
          r < 0
            ? 'Member must have value greater than or equal to 0'
            : 'Member must have value less than or equal to 2',
      });
    }
    const a = settings.maximumEventAgeInSeconds;
    if (a !== undefined && (!Number.isInteger(a) || a < 60 || a > 21600)) {
      failures.push({
        value: a,
        field: 'maximumEventAgeInSeconds',
        constraint:
          a < 60
            ? 'Member must have value greater than or equal to 60'
            : 'Member must have value less than or equal to 21600',
      });
    }
    if (failures.length > 0) throw Errors.validation(validationMessage(failures));
    for (const arn of [settings.onSuccess, settings.onFailure]) {
      if (!arn) continue;
      // SECURITY: a destination is where the server later writes; only its own functions and queues qualify.
      if (parseDestinationArn(this.partition, arn) === undefined) {
        throw Errors.invalidParameterValue(
          `The destination ARN ${arn} is invalid. Kindling delivers to Lambda functions and SQS queues of account ${this.partition.accountId} in ${this.partition.region}.`,
        );
      }
    }
  }
}

/** Settings without the members the caller left out (so a spread never erases with undefined). */
function definedOnly(s: EventInvokeSettings): Partial<EventInvokeConfig> {
  return Object.fromEntries(
    Object.entries(s).filter(([, v]) => v !== undefined),
  ) as Partial<EventInvokeConfig>;
}

function fromRow(r: ConfigRow): EventInvokeConfig {
  return {
    functionName: r.function_name,
    qualifier: r.qualifier,
    ...(r.maximum_retry_attempts !== null ? { maximumRetryAttempts: r.maximum_retry_attempts } : {}),
    ...(r.maximum_event_age_seconds !== null
      ? { maximumEventAgeInSeconds: r.maximum_event_age_seconds }
      : {}),
    ...(r.on_success !== null ? { onSuccess: r.on_success } : {}),
    ...(r.on_failure !== null ? { onFailure: r.on_failure } : {}),
    lastModified: r.last_modified,
  };
}
