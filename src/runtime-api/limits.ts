// Sizes the Runtime API holds runtimes to.

/**
 * Largest response a function may return: 6 MiB + 100 bytes (RIE interop.MaxPayloadSize); beyond it the
 * invocation fails with Function.ResponseSizeTooLarge (wire contract 2.3).
 */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
