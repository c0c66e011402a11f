// Lambda service errors: the closed catalogue of errors a caller can see from the Lambda API.
// Domain code throws these; one encoder (src/api/error-encoding.ts) writes them on the wire as AWS does
// (wire contract 2.4): header x-amzn-ErrorType, body {Type, message, Message, __type, ...extra}.

export type ErrorOrigin = 'User' | 'Service';

export class LambdaServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly origin: ErrorOrigin;
  /** Extra members of the error shape, e.g. TooManyRequestsException.Reason. */
  readonly extra: Readonly<Record<string, string | number>>;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: {
      origin?: ErrorOrigin;
      extra?: Record<string, string | number>;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code;
    this.code = code;
    this.status = status;
    this.origin = options.origin ?? (status >= 500 ? 'Service' : 'User');
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

const make =
  (code: string, status: number) =>
  (message: string, options?: ConstructorParameters<typeof LambdaServiceError>[3]) =>
    new LambdaServiceError(code, status, message, options);

/** Every error type Kindling's APIs return, by AWS name. */
export const Errors = {
  invalidParameterValue: make('InvalidParameterValueException', 400),
  invalidRequestContent: make('InvalidRequestContentException', 400),
  validation: make('ValidationException', 400),
  resourceInUse: make('ResourceInUseException', 400),
  codeStorageExceeded: make('CodeStorageExceededException', 400),
  resourceNotFound: make('ResourceNotFoundException', 404),
  provisionedConcurrencyConfigNotFound: make('ProvisionedConcurrencyConfigNotFoundException', 404),
  resourceConflict: make('ResourceConflictException', 409),
  preconditionFailed: make('PreconditionFailedException', 412),
  requestTooLarge: make('RequestTooLargeException', 413),
  requestEntityTooLarge: make('RequestEntityTooLargeException', 413),
  unsupportedMediaType: make('UnsupportedMediaTypeException', 415),
  tooManyRequests: make('TooManyRequestsException', 429),
  service: make('ServiceException', 500),
  resourceNotReady: make('ResourceNotReadyException', 502),
  invalidRuntime: make('InvalidRuntimeException', 502),
  invalidZipFile: make('InvalidZipFileException', 502),
  unrecognizedClient: make('UnrecognizedClientException', 403),
  invalidSignature: make('InvalidSignatureException', 403),
  accessDenied: make('AccessDeniedException', 403),
  unknownOperation: make('UnknownOperationException', 404),
} as const;

/** AWS's validation-message style: "1 validation error detected: Value 'x' at 'memorySize' failed to ...". */
export function validationMessage(
  failures: ReadonlyArray<{ value: unknown; field: string; constraint: string }>,
) {
  const parts = failures.map(
    (f) =>
      `Value '${typeof f.value === 'string' ? f.value : JSON.stringify(f.value)}' at '${f.field}' failed to satisfy constraint: ${f.constraint}`,
  );
  const n = failures.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}
