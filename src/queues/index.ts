// The queue component's door: a small durable queue with SQS's semantics, for destinations and
// dead-letter queues, served to clients by src/api/operations/sqs.ts.

export { durableTransaction, GroupCommit } from './durable-commit.js';
export { QueueErrors, queryErrorCode } from './errors.js';
export type * from './model.js';
export { isQueueArn, queueArn, queueNameFromArn, queueNameFromUrl, type QueuePartition } from './names.js';
export { QueueService, type QueueServiceOptions } from './queue-service.js';
export { queuesSchema } from './schema.js';
