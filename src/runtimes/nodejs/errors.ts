// Every error the Node.js runtime client can report, each carrying the name Lambda gives it, and the one
// conversion from a thrown value to the Runtime API error body. The body is what AWS's Node.js runtime
// posts: `{errorType, errorMessage, trace}` (wire contract 2.5: "Node runtime sends `trace`").

import { types } from 'node:util';

/** The body of POST /runtime/invocation/{id}/error and /runtime/init/error, as AWS's Node.js runtime sends it. */
export interface RuntimeErrorResponse {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/**
 * Lambda names runtime errors `Runtime.<ClassName>`. The message is `String(cause)` when the cause is an
 * Error, which is why AWS's messages read "Error: Cannot find module 'index'" or "SyntaxError: ...".
 */
abstract class RuntimeError extends Error {
  constructor(cause?: unknown) {
    super(cause === undefined ? undefined : String(cause));
  }
}

/** The handler's module could not be found or one of its imports is missing. */
export class ImportModuleError extends RuntimeError {}
/** The module loaded but does not export the named handler, or it is not a function. */
export class HandlerNotFound extends RuntimeError {}
/** `_HANDLER` is not of the form `path/to/file.export` or tries to leave the task root. */
export class MalformedHandlerName extends RuntimeError {}
/** The handler's module (or one it loads) does not parse. */
export class UserCodeSyntaxError extends RuntimeError {}
/** A handler marked for streaming with an unknown mode. */
export class MalformedStreamingHandler extends RuntimeError {}
/** A response stream was used after it could no longer be. */
export class InvalidStreamingOperation extends RuntimeError {}
/** A promise was rejected and nobody handled it; ends the environment. */
export class UnhandledPromiseRejection extends RuntimeError {
  constructor(
    readonly reason: unknown,
    readonly promise: Promise<unknown>,
  ) {
    super(reason);
  }
}

// The prototype name (not an instance property) keeps the stack's first line "Runtime.X: message" and keeps
// `name` out of the enumerable properties that the log formatter prints, exactly as AWS's runtime does.
for (const errorClass of [
  ImportModuleError,
  HandlerNotFound,
  MalformedHandlerName,
  UserCodeSyntaxError,
  MalformedStreamingHandler,
  InvalidStreamingOperation,
  UnhandledPromiseRejection,
]) {
  errorClass.prototype.name = `Runtime.${errorClass.name}`;
}

interface ErrorLike {
  name: string;
  message: string;
  stack: string;
}

function isErrorLike(value: unknown): value is ErrorLike {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    v.name !== '' &&
    typeof v.message === 'string' &&
    v.message !== '' &&
    typeof v.stack === 'string' &&
    v.stack !== ''
  );
}

// DEL (0x7f) is not allowed in the header that carries the error type; AWS's runtime escapes it everywhere.
const escapeDel = (s: string): string => s.replace(/\x7F/g, '%7F');

/** Turns anything a handler threw, rejected or passed to its callback into the Runtime API error body. */
export function toRuntimeErrorResponse(error: unknown): RuntimeErrorResponse {
  try {
    if (types.isNativeError(error) || isErrorLike(error)) {
      const e = error as Error;
      return {
        errorType: escapeDel(String(e.name)),
        errorMessage: escapeDel(String(e.message)),
        trace: escapeDel(String(e.stack)).split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** Wraps a thrown non-Error the way AWS's runtime does before logging it. */
export function intoError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * The tab-prefixed JSON that follows "Invoke Error" / "Uncaught Exception" in the function's log: the error's
 * own enumerable properties plus errorType, errorMessage, code and the stack as lines.
 */
export function formatErrorForLog(error: unknown): string {
  try {
    return '\t' + JSON.stringify(error, (_key, value: unknown) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toRuntimeErrorResponse(error));
  }
}

function withEnumerableProperties(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const result: Record<string, unknown> = {
    errorType: value.name,
    errorMessage: value.message,
    code: (value as { code?: unknown }).code,
  };
  Object.assign(result, value);
  if (typeof value.stack === 'string') result.stack = value.stack.split('\n');
  return result;
}
