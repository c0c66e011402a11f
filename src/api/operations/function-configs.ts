// What the operations on a function's own configurations share (event-invoke configs under
// /2019-09-25/functions/{FunctionName}/event-invoke-config, URL configs under
// /2021-10-31/functions/{FunctionName}/url): the function a request names, a List operation's page of a
// function's configurations, and the JSON body.

import {
  type FunctionLocator,
  type FunctionResolver,
  type Partition,
  locateFunction,
  paginate,
} from '../../control/index.js';
import { Errors } from '../../errors.js';
import { nestsDeeperThan } from '../../json-depth.js';
import type { ApiRequest, ApiResponse } from '../http.js';
import { intQuery, optionalQuery } from './control-wire.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

export interface FunctionConfigDeps {
  readonly resolver: FunctionResolver;
  readonly partition: Partition;
}

/** The function and qualifier a request names; the function (and qualifier) must exist. */
export function locateConfigured(deps: FunctionConfigDeps, req: ApiRequest): FunctionLocator {
  const loc = locateFunction(
    deps.partition,
    req.params.FunctionName ?? '',
    req.query.get('Qualifier') ?? undefined,
  );
  deps.resolver.resolve(loc.name, loc.qualifier);
  return loc;
}

/**
 * A List operation's answer: the unqualified function the request names (it must exist), one page of its
 * configurations by qualifier (Marker, MaxItems), under `member`, with NextMarker when more follow.
 */
export function listConfigs<T>(
  deps: FunctionConfigDeps,
  req: ApiRequest,
  list: (functionName: string) => readonly (T & { readonly qualifier: string })[],
  member: string,
  encode: (config: T) => unknown,
): ApiResponse {
  const loc = locateFunction(deps.partition, req.params.FunctionName ?? '', undefined, {
    allowQualifier: false,
  });
  deps.resolver.resolve(loc.name, undefined);
  const maxItems = intQuery(req, 'MaxItems', 'maxItems');
  const marker = optionalQuery(req, 'Marker');
  const page = paginate(list(loc.name), (c) => c.qualifier, {
    ...(marker !== undefined ? { marker } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  });
  return {
    status: 200,
    body: {
      [member]: page.items.map(encode),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    },
  };
}

/** The request body as JSON, `{}` when empty; what does not parse is InvalidRequestContentException. */
export function jsonBody(req: ApiRequest): unknown {
  let parsed: unknown;
  try {
    parsed = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
  } catch {
    throw Errors.invalidRequestContent('Could not parse request body into json: malformed JSON.');
  }
  if (nestsDeeperThan(parsed, MAX_JSON_DEPTH)) {
    throw Errors.invalidRequestContent(
      `Could not parse request body into json: the body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  return parsed;
}
