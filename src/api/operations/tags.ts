// TagResource, UntagResource and ListTags on the wire: tags live on functions, addressed by ARN.

import { z } from 'zod';
import type { Control } from '../../control/index.js';
import type { Routes } from '../http.js';
import { decodeBody, json, noContent, param } from './control-wire.js';

// SECURITY: validated before use.
const TagResourceRequest = z.object({ Tags: z.record(z.string()).optional() });

export function registerTagOperations(routes: Routes, control: Control): void {
  routes.add('POST', '/2017-03-31/tags/{ARN}', (req) => {
    const b = decodeBody(req, TagResourceRequest);
    control.tagResource(param(req, 'ARN'), b.Tags ?? {});
    return noContent();
  });

  routes.add('DELETE', '/2017-03-31/tags/{ARN}', (req) => {
    control.untagResource(param(req, 'ARN'), req.query.getAll('tagKeys'));
    return noContent();
  });

  routes.add('GET', '/2017-03-31/tags/{ARN}', (req) =>
    json(200, { Tags: control.listTags(param(req, 'ARN')) }),
  );
}
