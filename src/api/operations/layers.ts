// Layer operations on the wire: PublishLayerVersion, GetLayerVersion, GetLayerVersionByArn, ListLayers,
// ListLayerVersions, DeleteLayerVersion (wire contract 2.2).

import { z } from 'zod';
import { type Control, REQUEST_LIMITS, requestEntityTooLarge } from '../../control/index.js';
import { Errors, validationMessage } from '../../errors.js';
import type { ApiRequest, Routes } from '../http.js';
import {
  CodeShape,
  codeInput,
  decodeBody,
  intQuery,
  json,
  layerVersionListShape,
  layerVersionShape,
  noContent,
  optionalQuery,
  param,
} from './control-wire.js';

// SECURITY: validated before use.
const PublishLayerVersionRequest = z.object({
  Content: CodeShape.optional(),
  Description: z.string().optional(),
  CompatibleRuntimes: z.array(z.string()).optional(),
  CompatibleArchitectures: z.array(z.string()).optional(),
  LicenseInfo: z.string().optional(),
});

function versionNumber(req: ApiRequest): number {
  const raw = param(req, 'VersionNumber');
  if (!/^-?\d+$/.test(raw)) {
    throw Errors.validation(
      validationMessage([{ value: raw, field: 'versionNumber', constraint: 'Member must be a number' }]),
    );
  }
  return Number(raw);
}

function listParams(req: ApiRequest) {
  const compatibleRuntime = optionalQuery(req, 'CompatibleRuntime');
  const compatibleArchitecture = optionalQuery(req, 'CompatibleArchitecture');
  const marker = optionalQuery(req, 'Marker');
  const maxItems = intQuery(req, 'MaxItems', 'maxItems');
  return {
    ...(compatibleRuntime !== undefined ? { compatibleRuntime } : {}),
    ...(compatibleArchitecture !== undefined ? { compatibleArchitecture } : {}),
    ...(marker !== undefined ? { marker } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  };
}

export function registerLayerOperations(routes: Routes, control: Control): void {
  routes.add(
    'POST',
    '/2018-10-31/layers/{LayerName}/versions',
    async (req) => {
      const b = decodeBody(req, PublishLayerVersionRequest);
      const published = await control.publishLayerVersion({
        layerName: param(req, 'LayerName'),
        content: codeInput(b.Content),
        ...(b.Description !== undefined ? { description: b.Description } : {}),
        ...(b.CompatibleRuntimes !== undefined ? { compatibleRuntimes: b.CompatibleRuntimes } : {}),
        ...(b.CompatibleArchitectures !== undefined
          ? { compatibleArchitectures: b.CompatibleArchitectures }
          : {}),
        ...(b.LicenseInfo !== undefined ? { licenseInfo: b.LicenseInfo } : {}),
      });
      return json(
        201,
        layerVersionShape(published, control.codeLocation(req.baseUrl, published.code.sha256Hex)),
      );
    },
    {
      maxBodyBytes: REQUEST_LIMITS.PublishLayerVersion,
      tooLarge: () => requestEntityTooLarge(REQUEST_LIMITS.PublishLayerVersion, 'PublishLayerVersion'),
    },
  );

  routes.add('GET', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', (req) => {
    const v = control.getLayerVersion(param(req, 'LayerName'), versionNumber(req));
    return json(200, layerVersionShape(v, control.codeLocation(req.baseUrl, v.code.sha256Hex)));
  });

  // GetLayerVersionByArn shares ListLayers' path; AWS tells them apart by ?find=LayerVersion.
  routes.add('GET', '/2018-10-31/layers', (req) => {
    if (req.query.get('find') === 'LayerVersion') {
      const v = control.getLayerVersionByArn(req.query.get('Arn') ?? '');
      return json(200, layerVersionShape(v, control.codeLocation(req.baseUrl, v.code.sha256Hex)));
    }
    const page = control.listLayers(listParams(req));
    return json(200, {
      Layers: page.items.map((s) => ({
        LayerName: s.layerName,
        LayerArn: s.layerArn,
        LatestMatchingVersion: layerVersionListShape(s.latestMatchingVersion),
      })),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    });
  });

  routes.add('GET', '/2018-10-31/layers/{LayerName}/versions', (req) => {
    const page = control.listLayerVersions(param(req, 'LayerName'), listParams(req));
    return json(200, {
      LayerVersions: page.items.map(layerVersionListShape),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    });
  });

  routes.add('DELETE', '/2018-10-31/layers/{LayerName}/versions/{VersionNumber}', async (req) => {
    await control.deleteLayerVersion(param(req, 'LayerName'), versionNumber(req));
    return noContent();
  });
}
