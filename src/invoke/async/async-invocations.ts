// Accepting asynchronous invocations (Invoke with X-Amz-Invocation-Type: Event, the legacy InvokeAsync,
// a schedule's firing): check the payload and the function, store the event durably, wake the dispatcher.
// The caller answers 202 only when `accept` resolves, so a 202 always means the event is committed.

import { randomUUID } from 'node:crypto';
import type { FunctionResolver } from '../../control/index.js';
import { Errors } from '../../errors.js';
import type { AsyncEventStore, NewAsyncEvent } from './event-store.js';

/** Lambda's limit on an asynchronous invocation's payload (1 MB since 2025; 256 KB before). */
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;

export interface AcceptRequest {
  /** FunctionName as the caller gave it (name, name:qualifier, partial or full ARN). */
  readonly functionName: string;
  readonly qualifier?: string;
  readonly payload: Buffer;
  /** The API request id: the caller's x-amzn-RequestId becomes the invocation's request id. */
  readonly requestId?: string;
  /** What produced the event: 'invoke' (default), 'schedule:<name>', ... */
  readonly source?: string;
}

export interface AsyncInvocationsDeps {
  readonly events: AsyncEventStore;
  readonly resolver: FunctionResolver;
  /** Called after an event is committed (the dispatcher's notify). */
  readonly onAccepted: () => void;
  readonly now?: () => number;
}

export class AsyncInvocations {
  private readonly now: () => number;

  constructor(private readonly deps: AsyncInvocationsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Validates and durably queues an event; resolves with its request id once it is committed. */
  async accept(request: AcceptRequest): Promise<{ requestId: string }> {
    const event = this.prepare(request);
    await this.deps.events.enqueue(event);
    this.deps.onAccepted();
    return { requestId: event.requestId };
  }

  /**
   * Queues an event inside the caller's transaction (which must be durable, e.g. durableTransaction);
   * call `acceptedNow()` after it commits.
   */
  acceptInTransaction(request: AcceptRequest): { requestId: string } {
    const event = this.prepare(request);
    this.deps.events.insertNow(event);
    return { requestId: event.requestId };
  }

  acceptedNow(): void {
    this.deps.onAccepted();
  }

  private prepare(request: AcceptRequest): NewAsyncEvent {
    // SECURITY: the payload is untrusted and stored; its size is bounded before anything else.
    if (request.payload.length > MAX_ASYNC_PAYLOAD_BYTES) {
      throw Errors.requestTooLarge(
        `Request must be smaller than ${MAX_ASYNC_PAYLOAD_BYTES} bytes for the InvokeAsync operation`,
      );
    }
    if (request.payload.length > 0) {
      try {
        JSON.parse(request.payload.toString('utf8'));
      } catch (err) {
        throw Errors.invalidRequestContent(
          `Could not parse request body into json: ${err instanceof Error ? err.message : 'malformed JSON'}`,
        );
      }
    }
    // Throws ResourceNotFoundException / ValidationException as the sync path does.
    const target = this.deps.resolver.resolve(request.functionName, request.qualifier);
    const spec = target.candidates[0]?.spec;
    if (spec === undefined) throw Errors.resourceNotFound(`Function not found: ${target.invokedFunctionArn}`);
    const qualifier = qualifierOf(target.invokedFunctionArn);
    return {
      requestId: request.requestId ?? randomUUID(),
      functionName: spec.functionName,
      ...(qualifier !== undefined ? { qualifier } : {}),
      payload: request.payload.length === 0 ? Buffer.from('{}') : request.payload,
      source: request.source ?? 'invoke',
      receivedAt: this.now(),
    };
  }
}

/** The qualifier of a function ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]). */
function qualifierOf(arn: string): string | undefined {
  return arn.split(':')[7];
}
