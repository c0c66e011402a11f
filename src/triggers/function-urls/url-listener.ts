// Serves one request to a function URL: find the URL by its id, check its auth type, answer CORS
// preflights, invoke the function synchronously with the 2.0 event and turn its result into the HTTP
// response. Function errors answer 502 and throttles 429, as Lambda's URLs do.

import type { InvocationOutcome } from '../../invoke/index.js';
import { isPreflight, preflightHeaders, responseHeaders } from './cors.js';
import type { UrlHttpRequest, UrlHttpResponse } from './http-request.js';
import { type UrlRequestContextIam, toUrlEvent } from './request-event.js';
import { fromFunctionResult } from './response-mapping.js';
import type { FunctionUrlConfigs } from './url-configs.js';

/** What the listener needs of the invoke path: one synchronous invocation. */
export interface UrlInvoker {
  invoke(request: {
    readonly functionName: string;
    readonly qualifier?: string;
    readonly requestId: string;
    readonly payload: Buffer;
    readonly tail: boolean;
  }): Promise<InvocationOutcome>;
}

export interface UrlListenerDeps {
  readonly configs: FunctionUrlConfigs;
  readonly invoker: UrlInvoker;
  readonly accountId: string;
  /**
   * Verifies the request's SigV4 signature (service "lambda") for AWS_IAM URLs; resolves with the caller's
   * access key id, rejects when the signature is missing or wrong.
   */
  readonly authenticate: () => Promise<{ accessKeyId: string }>;
}

const message = (
  statusCode: number,
  text: string,
  headers: Record<string, string> = {},
): UrlHttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', ...headers },
  cookies: [],
  body: Buffer.from(JSON.stringify({ Message: text })),
});

export async function serveFunctionUrl(
  deps: UrlListenerDeps,
  urlId: string,
  req: UrlHttpRequest,
): Promise<UrlHttpResponse> {
  const config = deps.configs.forUrlId(urlId);
  if (config === undefined) return message(403, 'Forbidden');
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;

  if (config.cors !== undefined && isPreflight(req.method, req.headers)) {
    const requested = req.headers['access-control-request-method'];
    return {
      statusCode: 200,
      headers: preflightHeaders(config.cors, origin ?? '', typeof requested === 'string' ? requested : ''),
      cookies: [],
      body: Buffer.alloc(0),
    };
  }

  let iam: UrlRequestContextIam | undefined;
  if (config.authType === 'AWS_IAM') {
    try {
      const caller = await deps.authenticate();
      iam = {
        accessKey: caller.accessKeyId,
        accountId: deps.accountId,
        callerId: caller.accessKeyId,
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: `arn:aws:iam::${deps.accountId}:root`,
        userId: deps.accountId,
      };
    } catch {
      return message(403, 'Forbidden');
    }
  }

  const host = typeof req.headers.host === 'string' ? req.headers.host : 'localhost';
  const event = toUrlEvent(req, {
    urlId,
    accountId: deps.accountId,
    domainName: host,
    ...(iam !== undefined ? { iam } : {}),
  });
  const outcome = await deps.invoker.invoke({
    functionName: config.functionName,
    ...(config.qualifier !== '$LATEST' ? { qualifier: config.qualifier } : {}),
    requestId: req.requestId,
    payload: Buffer.from(JSON.stringify(event), 'utf8'),
    tail: false,
  });
  const cors = config.cors !== undefined ? responseHeaders(config.cors, origin) : {};
  switch (outcome.kind) {
    case 'success': {
      const response = fromFunctionResult(outcome.payload);
      return { ...response, headers: { ...response.headers, ...cors } };
    }
    case 'function-error':
    case 'environment-error':
      return {
        statusCode: 502,
        headers: { 'content-type': 'text/plain', ...cors },
        cookies: [],
        body: Buffer.from('Internal Server Error'),
      };
    case 'platform-error': {
      const { code, status } = outcome.error;
      if (code === 'TooManyRequestsException') return message(429, 'Rate Exceeded.', cors);
      if (status === 404) return message(404, 'Not Found', cors);
      return message(status >= 500 ? 502 : status, outcome.error.message, cors);
    }
  }
}
