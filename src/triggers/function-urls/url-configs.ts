// Function URL configs (Create/Get/Update/Delete/ListFunctionUrlConfigs): the url id that routes
// /lambda-url/<url-id>/ to a function qualifier, its auth type, CORS and invoke mode.

import { randomBytes } from 'node:crypto';
import { LATEST, isVersionQualifier } from '../../control/index.js';
import { Errors } from '../../errors.js';
import type { SqliteDatabase } from '../../store/index.js';
import type { Cors, FunctionUrlConfig } from './model.js';

interface UrlRow {
  url_id: string;
  function_name: string;
  qualifier: string;
  auth_type: 'NONE' | 'AWS_IAM';
  cors: string | null;
  invoke_mode: 'BUFFERED' | 'RESPONSE_STREAM';
  creation_time: string;
  last_modified_time: string;
}

export interface UrlSettings {
  readonly authType?: FunctionUrlConfig['authType'];
  /** null clears the CORS settings (Update). */
  readonly cors?: Cors | null;
  readonly invokeMode?: FunctionUrlConfig['invokeMode'];
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 32 lower-case base-32 characters, the shape of Lambda's url ids. */
export function newUrlId(): string {
  const bytes = randomBytes(32);
  return Array.from(bytes, (b) => BASE32[b % 32]).join('');
}

export class FunctionUrlConfigs {
  private readonly statements;
  private readonly byId = new Map<string, FunctionUrlConfig | null>();

  constructor(
    db: SqliteDatabase,
    private readonly now: () => number = Date.now,
  ) {
    this.statements = {
      byId: db.prepare<[string], UrlRow>('SELECT * FROM function_url_configs WHERE url_id = ?'),
      byFunction: db.prepare<[string, string], UrlRow>(
        'SELECT * FROM function_url_configs WHERE function_name = ? AND qualifier = ?',
      ),
      list: db.prepare<[string], UrlRow>(
        'SELECT * FROM function_url_configs WHERE function_name = ? ORDER BY qualifier',
      ),
      insert: db.prepare(
        `INSERT INTO function_url_configs (url_id, function_name, qualifier, auth_type, cors, invoke_mode, creation_time, last_modified_time)
         VALUES (@urlId, @functionName, @qualifier, @authType, @cors, @invokeMode, @creationTime, @lastModifiedTime)`,
      ),
      update: db.prepare(
        'UPDATE function_url_configs SET auth_type = @authType, cors = @cors, invoke_mode = @invokeMode, last_modified_time = @lastModifiedTime WHERE url_id = @urlId',
      ),
      delete: db.prepare('DELETE FROM function_url_configs WHERE url_id = ?'),
      deleteFunction: db.prepare('DELETE FROM function_url_configs WHERE function_name = ?'),
    };
  }

  create(
    functionName: string,
    qualifier: string | undefined,
    settings: UrlSettings,
    functionArn: string,
  ): FunctionUrlConfig {
    const q = checkQualifier(qualifier);
    if (this.statements.byFunction.get(functionName, q) !== undefined) {
      throw Errors.resourceConflict(
        `Failed to create function url config for [functionArn = ${functionArn}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
      );
    }
    if (settings.authType === undefined)
      throw Errors.validation(
        "1 validation error detected: Value null at 'authType' failed to satisfy constraint: Member must not be null",
      );
    const time = new Date(this.now()).toISOString();
    const config: FunctionUrlConfig = {
      urlId: newUrlId(),
      functionName,
      qualifier: q,
      authType: settings.authType,
      ...(settings.cors ? { cors: settings.cors } : {}),
      invokeMode: settings.invokeMode ?? 'BUFFERED',
      creationTime: time,
      lastModifiedTime: time,
    };
    this.statements.insert.run(toRow(config));
    this.byId.clear();
    return config;
  }

  get(functionName: string, qualifier: string | undefined): FunctionUrlConfig {
    const row = this.statements.byFunction.get(functionName, checkQualifier(qualifier));
    if (row === undefined) throw Errors.resourceNotFound('The resource you requested does not exist.');
    return fromRow(row);
  }

  update(functionName: string, qualifier: string | undefined, settings: UrlSettings): FunctionUrlConfig {
    const current = this.get(functionName, qualifier);
    const { cors: _drop, ...rest } = current;
    const next: FunctionUrlConfig = {
      ...rest,
      ...(settings.authType !== undefined ? { authType: settings.authType } : {}),
      ...(settings.invokeMode !== undefined ? { invokeMode: settings.invokeMode } : {}),
      ...(settings.cors === undefined
        ? current.cors
          ? { cors: current.cors }
          : {}
        : settings.cors
          ? { cors: settings.cors }
          : {}),
      lastModifiedTime: new Date(this.now()).toISOString(),
    };
    this.statements.update.run(toRow(next));
    this.byId.clear();
    return next;
  }

  delete(functionName: string, qualifier: string | undefined): void {
    const current = this.get(functionName, qualifier);
    this.statements.delete.run(current.urlId);
    this.byId.clear();
  }

  list(functionName: string): FunctionUrlConfig[] {
    return this.statements.list.all(functionName).map(fromRow);
  }

  deleteFunction(functionName: string): void {
    this.statements.deleteFunction.run(functionName);
    this.byId.clear();
  }

  /** The config a request's url id names (hot path: cached). */
  forUrlId(urlId: string): FunctionUrlConfig | undefined {
    const cached = this.byId.get(urlId);
    if (cached !== undefined) return cached ?? undefined;
    const row = /^[a-z2-7]{32}$/.test(urlId) ? this.statements.byId.get(urlId) : undefined;
    const config = row === undefined ? null : fromRow(row);
    if (this.byId.size > 10_000) this.byId.clear();
    this.byId.set(urlId, config);
    return config ?? undefined;
  }
}

/** Lambda gives URLs to $LATEST (unqualified) and to aliases, never to a numbered version. */
function checkQualifier(qualifier: string | undefined): string {
  if (qualifier === undefined || qualifier === LATEST) return LATEST;
  if (isVersionQualifier(qualifier)) {
    throw Errors.invalidParameterValue(
      'Function URLs can only be created for $LATEST or an alias, not for a version.',
    );
  }
  return qualifier;
}

function toRow(c: FunctionUrlConfig) {
  return {
    urlId: c.urlId,
    functionName: c.functionName,
    qualifier: c.qualifier,
    authType: c.authType,
    cors: c.cors === undefined ? null : JSON.stringify(c.cors),
    invokeMode: c.invokeMode,
    creationTime: c.creationTime,
    lastModifiedTime: c.lastModifiedTime,
  };
}

function fromRow(r: UrlRow): FunctionUrlConfig {
  return {
    urlId: r.url_id,
    functionName: r.function_name,
    qualifier: r.qualifier,
    authType: r.auth_type,
    ...(r.cors !== null ? { cors: JSON.parse(r.cors) as Cors } : {}),
    invokeMode: r.invoke_mode,
    creationTime: r.creation_time,
    lastModifiedTime: r.last_modified_time,
  };
}
