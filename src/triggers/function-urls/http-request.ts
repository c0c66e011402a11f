// A function URL request as plain data: what the listener hands to the mapping functions.

export interface UrlHttpRequest {
  readonly method: string;
  /** The path below /lambda-url/<url-id>, starting with '/'. */
  readonly rawPath: string;
  /** Query string without '?'. */
  readonly rawQueryString: string;
  /** Lower-case names; repeated headers already joined. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly requestId: string;
  /** Epoch ms the request arrived. */
  readonly time: number;
}

export interface UrlHttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}
