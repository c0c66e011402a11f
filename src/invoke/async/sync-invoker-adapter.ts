// Runs async events through the invoke path's invoker, so an event passes the same resolution, alias
// routing and concurrency limits as a sync invoke, and maps its outcome onto what the retry policy needs.
// Lambda retries environment failures (timeouts, crashes, out of memory) like function errors.

import type { Invoker } from '../invoker.js';
import type { EventInvocationOutcome, EventInvoker } from './model.js';

/** Errors after which the event can never run (its function or qualifier is gone). */
const UNRUNNABLE = new Set([
  'ResourceNotFoundException',
  'ValidationException',
  'InvalidParameterValueException',
]);

export function eventInvokerFrom(invoker: Pick<Invoker, 'invoke'>): EventInvoker {
  return {
    async invoke(request): Promise<EventInvocationOutcome> {
      const outcome = await invoker.invoke({
        functionName: request.functionName,
        ...(request.qualifier !== undefined ? { qualifier: request.qualifier } : {}),
        requestId: request.requestId,
        payload: request.payload,
        tail: false,
      });
      switch (outcome.kind) {
        case 'success':
          return { kind: 'success', payload: outcome.payload, executedVersion: outcome.executedVersion };
        case 'function-error':
        case 'environment-error':
          return {
            kind: 'function-error',
            payload: outcome.payload,
            functionError: 'Unhandled',
            executedVersion: outcome.executedVersion,
          };
        case 'platform-error': {
          const { code, message } = outcome.error;
          if (code === 'TooManyRequestsException') return { kind: 'throttled', message };
          if (UNRUNNABLE.has(code)) return { kind: 'not-found', message };
          return { kind: 'service-error', message };
        }
      }
    },
  };
}
