// Event-invoke configs on the wire (wire contract 2.2): Put (PUT), Update (POST), Get, Delete and
// List (GET .../event-invoke-config/list) under /2019-09-25/functions/{FunctionName}/event-invoke-config.
// Decode (zod) → EventInvokeConfigs → encode: LastModified as epoch seconds, FunctionArn qualified,
// DestinationConfig always present with OnSuccess and OnFailure.

import { z } from 'zod';
import { Errors } from '../../errors.js';
import type { EventInvokeConfig, EventInvokeConfigs, EventInvokeSettings } from '../../invoke/async/index.js';
import type { ApiRequest, ApiResponse, Routes } from '../http.js';
import { type FunctionConfigDeps, jsonBody, listConfigs, locateConfigured } from './function-configs.js';

export interface EventInvokeConfigApiDeps extends FunctionConfigDeps {
  readonly configs: EventInvokeConfigs;
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

  const locate = (req: ApiRequest) => locateConfigured(deps, req);

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
  routes.add('GET', `${PATH}/list`, (req) =>
    listConfigs(
      deps,
      req,
      (name) => configs.list(name),
      'FunctionEventInvokeConfigs',
      (c) => encode(configs, c),
    ),
  );
}

/**
 * Put replaces the whole config, so an absent destination means none; Update keeps what is absent, and a
 * present but empty destination clears it.
 */
function settingsOf(req: ApiRequest, mode: 'put' | 'update'): EventInvokeSettings {
  const parsed = Body.safeParse(jsonBody(req));
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
