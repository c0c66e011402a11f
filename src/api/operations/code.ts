// Code archive downloads: the target of GetFunction's Code.Location and GetLayerVersion's Content.Location.
// Like AWS's presigned S3 URLs these need no signature; the URL carries its own HMAC token and expiry.

import { readFile } from 'node:fs/promises';
import { CODE_DOWNLOAD_PATH, type Control } from '../../control/index.js';
import { Errors } from '../../errors.js';
import type { Routes } from '../http.js';
import { param } from './control-wire.js';

export function registerCodeOperations(routes: Routes, control: Control): void {
  routes.add(
    'GET',
    `${CODE_DOWNLOAD_PATH}/{CodeSha256Hex}`,
    async (req) => {
      // SECURITY: unauthenticated route; the control plane checks the token before naming any file.
      const path = control.codeArchiveFor(
        param(req, 'CodeSha256Hex'),
        req.query.get('expires'),
        req.query.get('token'),
      );
      if (path === undefined)
        throw Errors.accessDenied('Request has expired or the download token is not valid.');
      return {
        status: 200,
        headers: { 'Content-Type': 'application/zip' },
        body: await readFile(path),
      };
    },
    { unauthenticated: true },
  );
}
