// Event-invoke configs on the wire (wire contract 2.2): Put (PUT), Update (POST), Get, Delete and
// List (GET .../event-invoke-config/list) under /2019-09-25/functions/{FunctionName}/event-invoke-config.
// Decode (zod) → EventInvokeConfigs → encode: LastModified as epoch seconds, FunctionArn qualified,
// DestinationConfig always present with OnSuccess and OnFailure.

import { z } from 'zod';
import type { FunctionResolver } from '../../control/model.js';
import { type Partition, locateFunction } from '../../control/names.js';
import { paginate } from '../../control/pagination.js';
import { Errors } from '../../errors.js';
import type { EventInvokeConfig, EventInvokeConfigs, EventInvokeSettings } from '../../invoke/async/index.js';
import type { ApiRequest, ApiResponse, Routes } from '../http.js';

export interface EventInvokeConfigApiDeps {
  readonly configs: EventInvokeConfigs;
  readonly resolver: FunctionResolver;
  readonly partition: Partition;
}

const PATH = '/2019-09-25/functions/{FunctionName}/event-invoke-config';

// SECURITY: the body is untrusted; types are checked here, ranges and ARNs by EventInvokeConfigs.
const Destination = z.object({ Destination: z.string().max(350).nullish() }).nullish();
const Body = z.object({
  MaximumRetryAttempts: z.number().nullish(),
  MaximumEventAgeInSeconds: z.number().nullish(),
  DestinationConfig: z.object({ OnSuccess: Destination, OnFailure: Destination }).nullish(),
});

export function registerEventInvokeConfigOperations(routes: Routes, deps: EventInvokeConfigApiDeps): void {
  const { configs } = deps;

  /** The function and qualifier a request names; the function (and qualifier) must exist. */
  const locate = (req: ApiRequest) => {
    const loc = locateFunction(
      deps.partition,
      req.params.FunctionName ?? '',
      req.query.get('Qualifier') ?? undefined,
    );
    deps.resolver.resolve(loc.name, loc.qualifier);
    return loc;
  };

  routes.add('PUT', PATH, (req) => {
    const loc = locate(req);
    return ok(configs, configs.put(loc.name, loc.qualifier, settingsOf(req, 'put')));
  });
  routes.add('POST', PATH, (req) => {
    const loc = locate(req);
    return ok(configs, configs.update(loc.name, loc.qualifier, settingsOf(req, 'update')));
  });
  routes.add('GET', PATH, (req) => {
    const loc = locate(req);
    return ok(configs, configs.get(loc.name, loc.qualifier));
  });
  routes.add('DELETE', PATH, (req) => {
    const loc = locate(req);
    configs.delete(loc.name, loc.qualifier);
    return { status: 204 };
  });
  routes.add('GET', `${PATH}/list`, (req) => {
    const loc = locateFunction(deps.partition, req.params.FunctionName ?? '', undefined, {
      allowQualifier: false,
    });
    deps.resolver.resolve(loc.name, undefined);
    const maxItems = req.query.get('MaxItems');
    const page = paginate(configs.list(loc.name), (c) => c.qualifier, {
      marker: req.query.get('Marker') ?? undefined,
      maxItems: maxItems === null ? undefined : Number(maxItems),
    });
    return {
      status: 200,
      body: {
        FunctionEventInvokeConfigs: page.items.map((c) => encode(configs, c)),
        ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
      },
    };
  });
}

/**
 * Put replaces the whole config, so an absent destination means none; Update keeps what is absent, and a
 * present but empty destination clears it.
 */
function settingsOf(req: ApiRequest, mode: 'put' | 'update'): EventInvokeSettings {
  let json: unknown;
  try {
    json = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
  } catch {
    throw Errors.invalidRequestContent('Could not parse request body into json: malformed JSON.');
  }
  const parsed = Body.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw Errors.invalidRequestContent(
      `Could not parse request body into json: ${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'unexpected shape'}`,
    );
  }
  const b = parsed.data;
  const destination = (d: z.infer<typeof Destination>): string | undefined => {
    if (mode === 'put') return d?.Destination ?? undefined;
    if (d === undefined || d === null) return undefined;
    return d.Destination ?? '';
  };
  return {
    ...(b.MaximumRetryAttempts != null ? { maximumRetryAttempts: b.MaximumRetryAttempts } : {}),
    ...(b.MaximumEventAgeInSeconds != null ? { maximumEventAgeInSeconds: b.MaximumEventAgeInSeconds } : {}),
    ...(destination(b.DestinationConfig?.OnSuccess) !== undefined
      ? { onSuccess: destination(b.DestinationConfig?.OnSuccess) }
      : {}),
    ...(destination(b.DestinationConfig?.OnFailure) !== undefined
      ? { onFailure: destination(b.DestinationConfig?.OnFailure) }
      : {}),
  };
}

function encode(configs: EventInvokeConfigs, c: EventInvokeConfig): Record<string, unknown> {
  return {
    LastModified: c.lastModified / 1000,
    FunctionArn: configs.functionArn(c.functionName, c.qualifier),
    ...(c.maximumRetryAttempts !== undefined ? { MaximumRetryAttempts: c.maximumRetryAttempts } : {}),
    ...(c.maximumEventAgeInSeconds !== undefined
      ? { MaximumEventAgeInSeconds: c.maximumEventAgeInSeconds }
      : {}),
    DestinationConfig: {
      OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
      OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
    },
  };
}

function ok(configs: EventInvokeConfigs, c: EventInvokeConfig): ApiResponse {
  return { status: 200, body: encode(configs, c) };
}
