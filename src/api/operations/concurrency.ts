// Reserved and provisioned concurrency on the wire (wire contract 2.2). Note the date prefixes:
// PutFunctionConcurrency and DeleteFunctionConcurrency live under /2017-10-31/, GetFunctionConcurrency and
// every provisioned-concurrency operation under /2019-09-30/. Decode → Concurrency → encode.

import { z } from 'zod';
import { Errors, validationMessage } from '../../errors.js';
import type { Concurrency, ProvisionedConcurrencyConfig } from '../../invoke/concurrency/index.js';
import type { ApiRequest, Routes } from '../http.js';
import { decodeBody, intQuery, json, lambdaDate, noContent, optionalQuery, param } from './control-wire.js';

// SECURITY: the bodies are untrusted; types are checked here, ranges by the concurrency rules.
const PutFunctionConcurrencyRequest = z.object({ ReservedConcurrentExecutions: z.number().optional() });
const PutProvisionedConcurrencyConfigRequest = z.object({
  ProvisionedConcurrentExecutions: z.number().optional(),
});

const RESERVED_PATH = '/functions/{FunctionName}/concurrency';
const PROVISIONED_PATH = '/2019-09-30/functions/{FunctionName}/provisioned-concurrency';

export function registerConcurrencyOperations(routes: Routes, concurrency: Concurrency): void {
  routes.add('PUT', `/2017-10-31${RESERVED_PATH}`, (req) => {
    const b = decodeBody(req, PutFunctionConcurrencyRequest);
    const reserved = required(b.ReservedConcurrentExecutions, 'reservedConcurrentExecutions');
    const out = concurrency.putFunctionConcurrency(param(req, 'FunctionName'), reserved);
    return json(200, { ReservedConcurrentExecutions: out.reservedConcurrentExecutions });
  });

  routes.add('GET', `/2019-09-30${RESERVED_PATH}`, (req) => {
    const out = concurrency.getFunctionConcurrency(param(req, 'FunctionName'));
    return json(
      200,
      out.reservedConcurrentExecutions === undefined
        ? {}
        : { ReservedConcurrentExecutions: out.reservedConcurrentExecutions },
    );
  });

  routes.add('DELETE', `/2017-10-31${RESERVED_PATH}`, (req) => {
    concurrency.deleteFunctionConcurrency(param(req, 'FunctionName'));
    return noContent();
  });

  routes.add('PUT', PROVISIONED_PATH, (req) => {
    const b = decodeBody(req, PutProvisionedConcurrencyConfigRequest);
    const requested = required(b.ProvisionedConcurrentExecutions, 'provisionedConcurrentExecutions');
    const config = concurrency.putProvisionedConcurrencyConfig(
      param(req, 'FunctionName'),
      qualifier(req),
      requested,
    );
    return json(202, configShape(config));
  });

  // GetProvisionedConcurrencyConfig, or ListProvisionedConcurrencyConfigs with ?List=ALL (same path).
  routes.add('GET', PROVISIONED_PATH, (req) => {
    if (req.query.get('List') === 'ALL') {
      const marker = optionalQuery(req, 'Marker');
      const maxItems = intQuery(req, 'MaxItems', 'maxItems');
      const page = concurrency.listProvisionedConcurrencyConfigs(param(req, 'FunctionName'), {
        ...(marker !== undefined ? { marker } : {}),
        ...(maxItems !== undefined ? { maxItems } : {}),
      });
      return json(200, {
        ProvisionedConcurrencyConfigs: page.items.map((c) => ({
          FunctionArn: c.functionArn,
          ...configShape(c),
        })),
        ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
      });
    }
    return json(
      200,
      configShape(concurrency.getProvisionedConcurrencyConfig(param(req, 'FunctionName'), qualifier(req))),
    );
  });

  routes.add('DELETE', PROVISIONED_PATH, (req) => {
    concurrency.deleteProvisionedConcurrencyConfig(param(req, 'FunctionName'), qualifier(req));
    return noContent();
  });
}

const qualifier = (req: ApiRequest) => optionalQuery(req, 'Qualifier');

function required(value: number | undefined, field: string): number {
  if (value === undefined) {
    throw Errors.validation(
      validationMessage([{ value: null, field, constraint: 'Member must not be null' }]).replace(
        "'null'",
        'null',
      ),
    );
  }
  return value;
}

function configShape(c: ProvisionedConcurrencyConfig): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: c.requested,
    AvailableProvisionedConcurrentExecutions: c.available,
    AllocatedProvisionedConcurrentExecutions: c.allocated,
    Status: c.status,
    ...(c.statusReason !== undefined ? { StatusReason: c.statusReason } : {}),
    LastModified: lambdaDate(c.lastModified),
  };
}
