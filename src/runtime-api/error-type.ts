// Error types a runtime may report, normalised as Lambda's RAPID does (RIE
// internal/lambda/fatalerror GetValidRuntimeOrFunctionErrorType, wire contract 2.5): a value containing
// `Runtime.X` or `Function.X` is kept, other `Function.*` become Function.Unknown, anything else
// Runtime.Unknown. Extension errors keep `Extension.X` or fall back to the given default.

const RUNTIME_OR_FUNCTION = /(Runtime|Function)\.[A-Z][a-zA-Z]+/;
const EXTENSION = /Extension\.[A-Z][a-zA-Z]+/;

export function validRuntimeOrFunctionErrorType(errorType: string | undefined): string {
  if (errorType === undefined || errorType === '') return 'Runtime.Unknown';
  if (RUNTIME_OR_FUNCTION.test(errorType)) return errorType;
  if (errorType.startsWith('Function.')) return 'Function.Unknown';
  return 'Runtime.Unknown';
}

export function validExtensionErrorType(errorType: string | undefined, fallback: string): string {
  if (errorType !== undefined && EXTENSION.test(errorType)) return errorType;
  return fallback;
}
