// Lambda's function operations on the wire: CreateFunction, GetFunction, GetFunctionConfiguration,
// ListFunctions, UpdateFunctionCode, UpdateFunctionConfiguration, DeleteFunction (wire contract 2.2).
// Decode → control → encode; every rule is the control plane's.

import { z } from 'zod';
import { type Control, REQUEST_LIMITS, requestEntityTooLarge } from '../../control/index.js';
import type { FunctionConfigInput } from '../../control/index.js';
import type { ApiRequest, Routes } from '../http.js';
import {
  CodeShape,
  Int32,
  codeInput,
  decodeBody,
  functionConfigurationShape,
  intQuery,
  json,
  noContent,
  optionalQuery,
  param,
} from './control-wire.js';

// SECURITY: request bodies are validated against these shapes before anything reads them.
const ConfigShape = {
  Description: z.string().optional(),
  Role: z.string().optional(),
  Runtime: z.string().optional(),
  Handler: z.string().optional(),
  MemorySize: Int32.optional(),
  Timeout: Int32.optional(),
  EphemeralStorage: z.object({ Size: Int32 }).optional(),
  Environment: z.object({ Variables: z.record(z.string()).optional() }).optional(),
  Layers: z.array(z.string()).optional(),
  TracingConfig: z.object({ Mode: z.string().optional() }).optional(),
  LoggingConfig: z
    .object({
      LogFormat: z.string().optional(),
      LogGroup: z.string().optional(),
      ApplicationLogLevel: z.string().optional(),
      SystemLogLevel: z.string().optional(),
    })
    .optional(),
  DeadLetterConfig: z.object({ TargetArn: z.string().optional() }).optional(),
  KMSKeyArn: z.string().optional(),
  SnapStart: z.object({ ApplyOn: z.string().optional() }).optional(),
  PackageType: z.string().optional(),
  ImageConfig: z.object({}).passthrough().optional(),
};

const CreateFunctionRequest = z.object({
  FunctionName: z.string(),
  Code: CodeShape.optional(),
  Architectures: z.array(z.string()).optional(),
  Publish: z.boolean().optional(),
  Tags: z.record(z.string()).optional(),
  ...ConfigShape,
});

const UpdateFunctionConfigurationRequest = z.object({ RevisionId: z.string().optional(), ...ConfigShape });

const UpdateFunctionCodeRequest = CodeShape.extend({
  Architectures: z.array(z.string()).optional(),
  Publish: z.boolean().optional(),
  DryRun: z.boolean().optional(),
  RevisionId: z.string().optional(),
});

type ConfigFields = z.infer<typeof UpdateFunctionConfigurationRequest>;

function configInput(b: ConfigFields): FunctionConfigInput {
  const logging = b.LoggingConfig;
  return {
    ...(b.Description !== undefined ? { description: b.Description } : {}),
    ...(b.Role !== undefined ? { role: b.Role } : {}),
    ...(b.Runtime !== undefined ? { runtime: b.Runtime } : {}),
    ...(b.Handler !== undefined ? { handler: b.Handler } : {}),
    ...(b.MemorySize !== undefined ? { memorySize: b.MemorySize } : {}),
    ...(b.Timeout !== undefined ? { timeout: b.Timeout } : {}),
    ...(b.EphemeralStorage !== undefined ? { ephemeralStorageSize: b.EphemeralStorage.Size } : {}),
    ...(b.Environment !== undefined ? { environment: b.Environment.Variables ?? {} } : {}),
    ...(b.Layers !== undefined ? { layers: b.Layers } : {}),
    ...(b.TracingConfig?.Mode !== undefined ? { tracingMode: b.TracingConfig.Mode } : {}),
    ...(logging !== undefined
      ? {
          logging: {
            ...(logging.LogFormat !== undefined ? { logFormat: logging.LogFormat } : {}),
            ...(logging.LogGroup !== undefined ? { logGroup: logging.LogGroup } : {}),
            ...(logging.ApplicationLogLevel !== undefined
              ? { applicationLogLevel: logging.ApplicationLogLevel }
              : {}),
            ...(logging.SystemLogLevel !== undefined ? { systemLogLevel: logging.SystemLogLevel } : {}),
          },
        }
      : {}),
    ...(b.DeadLetterConfig !== undefined ? { deadLetterTargetArn: b.DeadLetterConfig.TargetArn ?? '' } : {}),
    ...(b.KMSKeyArn !== undefined ? { kmsKeyArn: b.KMSKeyArn } : {}),
    ...(b.SnapStart?.ApplyOn !== undefined ? { snapStartApplyOn: b.SnapStart.ApplyOn } : {}),
    ...(b.PackageType !== undefined ? { packageType: b.PackageType } : {}),
    ...(b.ImageConfig !== undefined ? { imageConfig: true } : {}),
  };
}

const qualifierOf = (req: ApiRequest) => optionalQuery(req, 'Qualifier');

export function registerFunctionOperations(routes: Routes, control: Control): void {
  routes.add(
    'POST',
    '/2015-03-31/functions',
    async (req) => {
      const b = decodeBody(req, CreateFunctionRequest);
      const created = await control.createFunction({
        functionName: b.FunctionName,
        code: codeInput(b.Code),
        ...(b.Architectures !== undefined ? { architectures: b.Architectures } : {}),
        ...(b.Publish !== undefined ? { publish: b.Publish } : {}),
        ...(b.Tags !== undefined ? { tags: b.Tags } : {}),
        ...configInput(b),
      });
      return json(201, functionConfigurationShape(created));
    },
    {
      maxBodyBytes: REQUEST_LIMITS.CreateFunction,
      tooLarge: () => requestEntityTooLarge(REQUEST_LIMITS.CreateFunction, 'CreateFunction'),
    },
  );

  routes.add('GET', '/2015-03-31/functions/', (req) => {
    const functionVersion = optionalQuery(req, 'FunctionVersion');
    const marker = optionalQuery(req, 'Marker');
    const maxItems = intQuery(req, 'MaxItems', 'maxItems');
    const page = control.listFunctions({
      ...(functionVersion !== undefined ? { functionVersion } : {}),
      ...(marker !== undefined ? { marker } : {}),
      ...(maxItems !== undefined ? { maxItems } : {}),
    });
    return json(200, {
      Functions: page.items.map((c) => functionConfigurationShape(c, true)),
      ...(page.nextMarker !== undefined ? { NextMarker: page.nextMarker } : {}),
    });
  });

  routes.add('GET', '/2015-03-31/functions/{FunctionName}', (req) => {
    const details = control.getFunction(param(req, 'FunctionName'), qualifierOf(req));
    return json(200, {
      Configuration: functionConfigurationShape(details.configuration),
      Code: { RepositoryType: 'S3', Location: control.codeLocation(req.baseUrl, details.codeSha256Hex) },
      ...(Object.keys(details.tags).length > 0 ? { Tags: details.tags } : {}),
      ...(details.reservedConcurrentExecutions !== undefined
        ? { Concurrency: { ReservedConcurrentExecutions: details.reservedConcurrentExecutions } }
        : {}),
    });
  });

  routes.add('GET', '/2015-03-31/functions/{FunctionName}/configuration', (req) =>
    json(
      200,
      functionConfigurationShape(
        control.getFunctionConfiguration(param(req, 'FunctionName'), qualifierOf(req)),
      ),
    ),
  );

  routes.add(
    'PUT',
    '/2015-03-31/functions/{FunctionName}/code',
    async (req) => {
      const b = decodeBody(req, UpdateFunctionCodeRequest);
      const updated = await control.updateFunctionCode(param(req, 'FunctionName'), {
        code: codeInput(b),
        ...(b.Architectures !== undefined ? { architectures: b.Architectures } : {}),
        ...(b.Publish !== undefined ? { publish: b.Publish } : {}),
        ...(b.DryRun !== undefined ? { dryRun: b.DryRun } : {}),
        ...(b.RevisionId !== undefined ? { revisionId: b.RevisionId } : {}),
      });
      return json(200, functionConfigurationShape(updated));
    },
    {
      maxBodyBytes: REQUEST_LIMITS.UpdateFunctionCode,
      tooLarge: () => requestEntityTooLarge(REQUEST_LIMITS.UpdateFunctionCode, 'UpdateFunctionCode'),
    },
  );

  routes.add('PUT', '/2015-03-31/functions/{FunctionName}/configuration', async (req) => {
    const b = decodeBody(req, UpdateFunctionConfigurationRequest);
    const updated = await control.updateFunctionConfiguration(param(req, 'FunctionName'), {
      ...configInput(b),
      ...(b.RevisionId !== undefined ? { revisionId: b.RevisionId } : {}),
    });
    return json(200, functionConfigurationShape(updated));
  });

  routes.add('DELETE', '/2015-03-31/functions/{FunctionName}', async (req) => {
    await control.deleteFunction(param(req, 'FunctionName'), qualifierOf(req));
    return noContent();
  });
}
