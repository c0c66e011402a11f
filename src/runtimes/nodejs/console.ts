// The function's console, patched to write Lambda's log lines (wire contract 2.7):
//   text: "<ISO date>\t<requestId>\t<LEVEL>\t<util.format(...)>\n"
//   JSON (AWS_LAMBDA_LOG_FORMAT=JSON): {"timestamp","level","requestId","message",...}
// Newlines inside one message become "\r" so that one console call stays one log event when the host splits
// stdout into lines, as AWS's runtime does when it logs to stdout. AWS_LAMBDA_LOG_LEVEL drops lower levels.

import { format } from 'node:util';
import { formatErrorForLog, intoError } from './errors.js';

interface LogLevel {
  readonly name: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  readonly priority: number;
}

const levels = {
  TRACE: { name: 'TRACE', priority: 1 },
  DEBUG: { name: 'DEBUG', priority: 2 },
  INFO: { name: 'INFO', priority: 3 },
  WARN: { name: 'WARN', priority: 4 },
  ERROR: { name: 'ERROR', priority: 5 },
  FATAL: { name: 'FATAL', priority: 6 },
} as const satisfies Record<string, LogLevel>;

type Writer = (level: LogLevel, message: unknown, params: unknown[]) => void;

let currentRequestId: string | undefined;
let currentTenantId: string | undefined;

/** The request id printed on every line; `undefined` (printed as such, as AWS does) outside an invocation. */
export function setCurrentRequestId(requestId: string | undefined, tenantId?: string): void {
  currentRequestId = requestId;
  currentTenantId = tenantId;
}

const writeLine = (line: string): void => {
  process.stdout.write(line.replace(/\n/g, '\r') + '\n');
};

const textWriter: Writer = (level, message, params) => {
  writeLine(`${new Date().toISOString()}\t${currentRequestId}\t${level.name}\t${format(message, ...params)}`);
};

const jsonWriter: Writer = (level, message, params) => {
  writeLine(formatJsonRecord(new Date().toISOString(), level, message, params));
};

function errorFields(error: Error): Record<string, unknown> {
  return {
    errorType: error.constructor?.name ?? 'UnknownError',
    errorMessage: error.message,
    stackTrace: typeof error.stack === 'string' ? error.stack.split('\n') : error.stack,
  };
}

function formatJsonRecord(timestamp: string, level: LogLevel, message: unknown, params: unknown[]): string {
  const record: Record<string, unknown> = { timestamp, level: level.name, requestId: currentRequestId };
  if (currentTenantId !== undefined) record.tenantId = currentTenantId;
  if (params.length === 0) {
    // A single argument is logged as a value (objects stay objects), errors as their fields.
    record.message = message;
    try {
      return JSON.stringify(record, (_key, value: unknown) =>
        value instanceof Error ? Object.assign(errorFields(value), value) : value,
      );
    } catch {
      record.message = format(message);
      return JSON.stringify(record);
    }
  }
  record.message = format(message, ...params);
  const firstError = [message, ...params].find((p): p is Error => p instanceof Error);
  if (firstError) Object.assign(record, errorFields(firstError));
  return JSON.stringify(record);
}

const isJson = (): boolean => process.env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';

/** Replaces console.trace/debug/info/log/warn/error (and adds console.fatal) with Lambda's line writers. */
export function patchConsole(): void {
  const write = isJson() ? jsonWriter : textWriter;
  const configured = process.env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase() as keyof typeof levels | undefined;
  const minimum = (configured && levels[configured]) || levels.TRACE;
  const writerFor =
    (level: LogLevel) =>
    (message?: unknown, ...params: unknown[]): void => {
      if (level.priority >= minimum.priority) write(level, message, params);
    };
  const patched = console as Console & { fatal?: (...args: unknown[]) => void };
  patched.trace = writerFor(levels.TRACE);
  patched.debug = writerFor(levels.DEBUG);
  patched.info = writerFor(levels.INFO);
  patched.log = patched.info;
  patched.warn = writerFor(levels.WARN);
  patched.error = writerFor(levels.ERROR);
  patched.fatal = (message?: unknown, ...params: unknown[]): void => write(levels.FATAL, message, params);
}

/**
 * Logs an error the runtime reports ("Invoke Error", "Uncaught Exception", ...) the way AWS's runtime does:
 * text: `ERROR\t<label> \t{json}`; JSON: the error as the record's message.
 */
export function logRuntimeError(label: string, error: unknown): void {
  if (isJson()) console.error(intoError(error));
  else console.error(label, formatErrorForLog(intoError(error)));
}
