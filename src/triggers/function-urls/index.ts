// Function URLs: an HTTPS-style endpoint per function qualifier at /lambda-url/<url-id>/, mapping any
// HTTP request to the payload format 2.0 event and the function's result back to HTTP.

export { CorsSchema, AuthType, InvokeMode, type Cors, type FunctionUrlConfig } from './model.js';
export type { UrlHttpRequest, UrlHttpResponse } from './http-request.js';
export { toUrlEvent, isTextContentType } from './request-event.js';
export { fromFunctionResult } from './response-mapping.js';
export { functionUrlsSchema } from './schema.js';
export { FunctionUrlConfigs, type UrlSettings } from './url-configs.js';
export { serveFunctionUrl, type UrlInvoker, type UrlListenerDeps } from './url-listener.js';

/** Path prefix of function URLs on the API listener. */
export const FUNCTION_URL_PREFIX = '/lambda-url/';
