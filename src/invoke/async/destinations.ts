// Where an async event's outcome goes: the OnSuccess / OnFailure destination (an invocation record, to a
// function as a new async event or to a queue as a message) and the function's dead-letter queue (the
// original event, with RequestID / ErrorCode / ErrorMessage attributes, as Lambda's DLQ sends it).
// Every method runs inside the dispatcher's transaction that finishes the event, so an outcome is routed
// exactly when its event leaves the queue.

import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { QueuePartition, QueueService } from '../../queues/index.js';
import { parseDestinationArn } from './destination-arn.js';
import type { AsyncEventStore } from './event-store.js';
import type { InvocationRecord } from './invocation-record.js';
import type { AsyncEvent } from './model.js';

/** Lambda truncates the DLQ's ErrorMessage attribute to 1 KB. */
const MAX_DLQ_ERROR_MESSAGE = 1024;

export interface DestinationRouterDeps {
  readonly partition: QueuePartition;
  readonly queues: QueueService;
  readonly events: AsyncEventStore;
  readonly log: Logger;
  readonly now?: () => number;
}

export class DestinationRouter {
  private readonly now: () => number;
  /** Set when a delivery queued a new async event, so the dispatcher knows to look again. */
  onEventQueued: () => void = () => undefined;

  constructor(private readonly deps: DestinationRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Sends an invocation record to a destination ARN. Undeliverable records are logged and dropped. */
  deliverRecord(destinationArn: string, record: InvocationRecord): void {
    const target = parseDestinationArn(this.deps.partition, destinationArn);
    const body = JSON.stringify(record);
    if (target?.kind === 'function') {
      this.deps.events.insertNow({
        requestId: randomUUID(),
        functionName: target.functionName,
        ...(target.qualifier !== undefined ? { qualifier: target.qualifier } : {}),
        payload: Buffer.from(body, 'utf8'),
        source: 'destination',
        receivedAt: this.now(),
      });
      this.onEventQueued();
      return;
    }
    if (target?.kind === 'queue') {
      this.sendToQueue(target.queueName, destinationArn, () =>
        this.deps.queues.sendMessage(target.queueName, { body }),
      );
      return;
    }
    this.deps.log.warn(
      { destinationArn, requestId: record.requestContext.requestId },
      'async destination is not deliverable; record dropped',
    );
  }

  /** Sends a failed event to the function's dead-letter queue, as Lambda does. */
  deliverDeadLetter(targetArn: string, event: AsyncEvent, errorCode: number, errorMessage: string): void {
    const target = parseDestinationArn(this.deps.partition, targetArn);
    if (target?.kind !== 'queue') {
      this.deps.log.warn(
        { targetArn, requestId: event.requestId },
        'dead-letter target is not a Kindling queue; event dropped',
      );
      return;
    }
    this.sendToQueue(target.queueName, targetArn, () =>
      this.deps.queues.sendMessage(target.queueName, {
        body: event.payload.toString('utf8') || '{}',
        messageAttributes: {
          RequestID: { dataType: 'String', stringValue: event.requestId },
          ErrorCode: { dataType: 'Number', stringValue: String(errorCode) },
          ErrorMessage: {
            dataType: 'String',
            stringValue: errorMessage.slice(0, MAX_DLQ_ERROR_MESSAGE) || 'Unknown error',
          },
        },
      }),
    );
  }

  private sendToQueue(queueName: string, arn: string, send: () => void): void {
    try {
      send();
    } catch (err) {
      // The queue may have been deleted since the config named it; the event itself is finished either way.
      this.deps.log.warn(
        { err, arn, queueName },
        'async destination queue refused the record; record dropped',
      );
    }
  }
}
