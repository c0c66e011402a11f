// The queue service's vocabulary: plain values, no wire shapes.

export interface MessageAttributeValue {
  /** 'String', 'Number', 'Binary', or one of those with a custom suffix ('String.json'). */
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Buffer;
}

export interface SendMessageInput {
  readonly body: string;
  readonly delaySeconds?: number;
  readonly messageAttributes?: Readonly<Record<string, MessageAttributeValue>>;
}

export interface SentMessage {
  readonly messageId: string;
  readonly md5OfMessageBody: string;
  readonly md5OfMessageAttributes?: string;
}

export interface ReceiveMessageInput {
  /** 1–10. */
  readonly maxNumberOfMessages?: number;
  /** Seconds; the queue's VisibilityTimeout when omitted. */
  readonly visibilityTimeout?: number;
  /** Seconds, 0–20 (long polling); the queue's ReceiveMessageWaitTimeSeconds when omitted. */
  readonly waitTimeSeconds?: number;
  /** System attribute names to return ('All' for every one). */
  readonly attributeNames?: readonly string[];
  /** Message attribute names to return ('All', '.*' or 'prefix.*' patterns as SQS allows). */
  readonly messageAttributeNames?: readonly string[];
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly messageAttributes: Readonly<Record<string, MessageAttributeValue>>;
  readonly md5OfMessageAttributes?: string;
}

/** A queue as the API shows it. */
export interface QueueRef {
  readonly name: string;
  readonly arn: string;
  /** Path of the queue URL below the endpoint: `/<account>/<name>`. */
  readonly path: string;
}
