// Function URLs on the wire: the config operations (wire contract 2.2: POST/GET/PUT/DELETE
// /2021-10-31/functions/{FunctionName}/url, GET .../urls) and the URL listener itself, every method under
// /lambda-url/<url-id>/... on the same server, unauthenticated at the router (a URL checks its own
// AuthType: NONE, or AWS_IAM verified here with the server's SigV4 verifier, service "lambda").

import { z } from 'zod';
import { type Partition, qualifiedArn } from '../../control/index.js';
import { Errors, type LambdaServiceError } from '../../errors.js';
import {
  AuthType,
  CorsSchema,
  type FunctionUrlConfig,
  type FunctionUrlConfigs,
  InvokeMode,
  type UrlInvoker,
  serveFunctionUrl,
} from '../../triggers/function-urls/index.js';
import type { ApiRequest, ApiResponse, Routes } from '../http.js';
import type { SigV4Verifier } from '../sigv4.js';
import { type FunctionConfigDeps, jsonBody, listConfigs, locateConfigured } from './function-configs.js';

export interface FunctionUrlApiDeps extends FunctionConfigDeps {
  readonly urls: FunctionUrlConfigs;
  readonly invoker: UrlInvoker;
  readonly verifier: SigV4Verifier;
}

const PATH = '/2021-10-31/functions/{FunctionName}/url';
/** A function URL request carries at most Lambda's sync payload (6 MB) once wrapped in its event. */
export const MAX_URL_BODY = 6 * 1024 * 1024;
const URL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

// SECURITY: config bodies are untrusted; the schemas fix types, enums and bounds.
const CreateBody = z.object({ AuthType, Cors: CorsSchema.optional(), InvokeMode: InvokeMode.optional() });
const UpdateBody = z.object({
  AuthType: AuthType.optional(),
  Cors: CorsSchema.nullish(),
  InvokeMode: InvokeMode.optional(),
});

export function registerFunctionUrlOperations(routes: Routes, deps: FunctionUrlApiDeps): void {
  const { urls } = deps;
  const locate = (req: ApiRequest) => locateConfigured(deps, req);
  const encode = (req: ApiRequest, c: FunctionUrlConfig, withModified = true) => ({
    FunctionUrl: `${req.baseUrl}/lambda-url/${c.urlId}/`,
    FunctionArn: qualifiedArn(
      deps.partition,
      c.functionName,
      c.qualifier === '$LATEST' ? undefined : c.qualifier,
    ),
    AuthType: c.authType,
    ...(c.cors !== undefined ? { Cors: c.cors } : {}),
    CreationTime: c.creationTime,
    ...(withModified ? { LastModifiedTime: c.lastModifiedTime } : {}),
    InvokeMode: c.invokeMode,
  });

  routes.add('POST', PATH, (req) => {
    const loc = locate(req);
    const body = parse(req, CreateBody);
    const arn = qualifiedArn(deps.partition, loc.name, loc.qualifier);
    const config = urls.create(
      loc.name,
      loc.qualifier,
      {
        authType: body.AuthType,
        ...(body.Cors ? { cors: body.Cors } : {}),
        ...(body.InvokeMode ? { invokeMode: body.InvokeMode } : {}),
      },
      arn,
    );
    return { status: 201, body: encode(req, config, false) };
  });
  routes.add('GET', PATH, (req) => {
    const loc = locate(req);
    return { status: 200, body: encode(req, urls.get(loc.name, loc.qualifier)) };
  });
  routes.add('PUT', PATH, (req) => {
    const loc = locate(req);
    const body = parse(req, UpdateBody);
    const config = urls.update(loc.name, loc.qualifier, {
      ...(body.AuthType ? { authType: body.AuthType } : {}),
      ...(body.Cors !== undefined ? { cors: body.Cors } : {}),
      ...(body.InvokeMode ? { invokeMode: body.InvokeMode } : {}),
    });
    return { status: 200, body: encode(req, config) };
  });
  routes.add('DELETE', PATH, (req) => {
    const loc = locate(req);
    urls.delete(loc.name, loc.qualifier);
    return { status: 204 };
  });
  routes.add('GET', '/2021-10-31/functions/{FunctionName}/urls', (req) =>
    listConfigs(
      deps,
      req,
      (name) => urls.list(name),
      'FunctionUrlConfigs',
      (c) => encode(req, c),
    ),
  );

  const serve = async (req: ApiRequest): Promise<ApiResponse> => {
    const urlId = req.params.UrlId ?? '';
    const prefix = `/lambda-url/${urlId}`;
    const rawPath = req.path.startsWith(prefix) ? req.path.slice(prefix.length) || '/' : '/';
    const response = await serveFunctionUrl(
      {
        configs: urls,
        invoker: deps.invoker,
        accountId: deps.partition.accountId,
        authenticate: async () => {
          const caller = await deps.verifier.verify({
            method: req.method,
            rawPath: req.path,
            rawQuery: req.rawQuery,
            headers: req.headers,
            body: req.body,
          });
          if (caller.service !== 'lambda')
            throw Errors.invalidSignature('Function URLs are signed for service "lambda".');
          return { accessKeyId: caller.accessKeyId };
        },
      },
      urlId,
      {
        method: req.method,
        rawPath,
        rawQueryString: req.rawQuery,
        headers: req.headers,
        body: req.body,
        // SECURITY: the peer's address, never a client-supplied X-Forwarded-For.
        sourceIp: req.remoteAddress.replace(/^::ffff:/, ''),
        requestId: req.requestId,
        time: Date.now(),
      },
    );
    const headers: Record<string, string | string[]> = { ...response.headers };
    // One Set-Cookie line per cookie, as browsers require.
    if (response.cookies.length > 0) headers['set-cookie'] = [...response.cookies];
    return {
      status: response.statusCode,
      headers,
      body: response.body,
    };
  };
  const urlOptions = {
    unauthenticated: true,
    maxBodyBytes: MAX_URL_BODY,
    encodeError: (error: LambdaServiceError): ApiResponse => ({
      status: error.status,
      headers: { 'Content-Type': 'application/json' },
      body: { Message: error.message },
    }),
  };
  for (const method of URL_METHODS) {
    routes.add(method, '/lambda-url/:UrlId', serve, urlOptions);
    routes.add(method, '/lambda-url/:UrlId/*', serve, urlOptions);
  }
}

function parse<T>(req: ApiRequest, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(jsonBody(req));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw Errors.validation(
      `1 validation error detected: Value at '${issue?.path.join('.') ?? 'body'}' failed to satisfy constraint: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
