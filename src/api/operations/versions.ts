// PublishVersion and ListVersionsByFunction on the wire (wire contract 2.2).

import { z } from 'zod';
import type { Control } from '../../control/index.js';
import type { Routes } from '../http.js';
import {
  decodeBody,
  functionConfigurationShape,
  intQuery,
  json,
  optionalQuery,
  param,
} from './control-wire.js';

// SECURITY: validated before use.
const PublishVersionRequest = z.object({
  CodeSha256: z.string().optional(),
  Description: z.string().optional(),
  RevisionId: z.string().optional(),
});

export function registerVersionOperations(routes: Routes, control: Control): void {
  routes.add('POST', '/2015-03-31/functions/{FunctionName}/versions', (req) => {
    const b = decodeBody(req, PublishVersionRequest);
    const published = control.publishVersion(param(req, 'FunctionName'), {
      ...(b.CodeSha256 !== undefined ? { codeSha256: b.CodeSha256 } : {}),
      ...(b.Description !== undefined ? { description: b.Description } : {}),
      ...(b.RevisionId !== undefined ? { revisionId: b.RevisionId } : {}),
    });
    return json(201, functionConfigurationShape(published));
  });

  routes.add('GET', '/2015-03-31/functions/{FunctionName}/versions', (req) => {
    const marker = optionalQuery(req, 'Marker');
    const maxItems = intQuery(req, 'MaxItems', 'maxItems');
    const page = control.listVersionsByFunction(param(req, 'FunctionName'), {
      ...(marker !== undefined ? { marker } : {}),
      ...(maxItems !== undefined ? { maxItems } : {}),
    });
    return json(200, {
      Versions: page.items.map((c) => functionConfigurationShape(c, true)),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    });
  });
}
