// Alias operations on the wire: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

import { z } from 'zod';
import type { Control } from '../../control/index.js';
import type { Routes } from '../http.js';
import { aliasShape, decodeBody, intQuery, json, noContent, optionalQuery, param } from './control-wire.js';

// SECURITY: validated before use.
const RoutingConfig = z.object({ AdditionalVersionWeights: z.record(z.number()).optional() });

const CreateAliasRequest = z.object({
  Name: z.string(),
  FunctionVersion: z.string(),
  Description: z.string().optional(),
  RoutingConfig: RoutingConfig.optional(),
});

const UpdateAliasRequest = z.object({
  FunctionVersion: z.string().optional(),
  Description: z.string().optional(),
  RoutingConfig: RoutingConfig.optional(),
  RevisionId: z.string().optional(),
});

export function registerAliasOperations(routes: Routes, control: Control): void {
  routes.add('POST', '/2015-03-31/functions/{FunctionName}/aliases', (req) => {
    const b = decodeBody(req, CreateAliasRequest);
    const weights = b.RoutingConfig?.AdditionalVersionWeights;
    const alias = control.createAlias(param(req, 'FunctionName'), {
      name: b.Name,
      functionVersion: b.FunctionVersion,
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      ...(weights !== undefined ? { additionalVersionWeights: weights } : {}),
    });
    return json(201, aliasShape(alias));
  });

  routes.add('GET', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', (req) =>
    json(200, aliasShape(control.getAlias(param(req, 'FunctionName'), param(req, 'Name')))),
  );

  routes.add('PUT', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', (req) => {
    const b = decodeBody(req, UpdateAliasRequest);
    const alias = control.updateAlias(param(req, 'FunctionName'), param(req, 'Name'), {
      ...(b.FunctionVersion !== undefined ? { functionVersion: b.FunctionVersion } : {}),
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      // RoutingConfig present replaces the routing (an empty one removes it).
      ...(b.RoutingConfig !== undefined
        ? { additionalVersionWeights: b.RoutingConfig.AdditionalVersionWeights ?? {} }
        : {}),
      ...(b.RevisionId !== undefined ? { revisionId: b.RevisionId } : {}),
    });
    return json(200, aliasShape(alias));
  });

  routes.add('DELETE', '/2015-03-31/functions/{FunctionName}/aliases/{Name}', (req) => {
    control.deleteAlias(param(req, 'FunctionName'), param(req, 'Name'));
    return noContent();
  });

  routes.add('GET', '/2015-03-31/functions/{FunctionName}/aliases', (req) => {
    const functionVersion = optionalQuery(req, 'FunctionVersion');
    const marker = optionalQuery(req, 'Marker');
    const maxItems = intQuery(req, 'MaxItems', 'maxItems');
    const page = control.listAliases(param(req, 'FunctionName'), {
      ...(functionVersion !== undefined ? { functionVersion } : {}),
      ...(marker !== undefined ? { marker } : {}),
      ...(maxItems !== undefined ? { maxItems } : {}),
    });
    return json(200, {
      Aliases: page.items.map(aliasShape),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    });
  });
}
