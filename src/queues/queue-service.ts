// The built-in queue: durable messages with SQS's semantics (visibility timeout, delays, long polling,
// retention), so that destinations and dead-letter queues have somewhere to go and any SQS client can read
// them. Domain only: the wire protocols live in src/api/operations/sqs.ts.

import { randomBytes, randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../store/index.js';
import { durableTransaction } from './durable-commit.js';
import { QueueErrors } from './errors.js';
import { md5OfBody, md5OfMessageAttributes } from './message-md5.js';
import type {
  MessageAttributeValue,
  QueueRef,
  ReceiveMessageInput,
  ReceivedMessage,
  SendMessageInput,
  SentMessage,
} from './model.js';
import { type QueuePartition, isQueueName, queueArn, queueNameFromArn, queuePath } from './names.js';
import {
  ALL_ATTRIBUTE_NAMES,
  defaultAttributes,
  numericAttribute,
  validateAttributes,
} from './queue-attributes.js';

interface QueueRow {
  name: string;
  created_at: number;
  last_modified: number;
  attributes: string;
}

interface MessageRow {
  seq: number;
  message_id: string;
  body: string;
  message_attributes: string;
  md5_of_body: string;
  md5_of_message_attributes: string | null;
  sent_at: number;
  receive_count: number;
  first_received_at: number | null;
  receipt_token: string;
}

type StoredAttributes = Record<string, { dataType: string; stringValue?: string; binaryValue?: string }>;

export interface QueueServiceOptions {
  readonly partition: QueuePartition;
  readonly now?: () => number;
}

/** Long polls re-check at least this often, so delayed messages becoming visible are seen promptly. */
const POLL_RECHECK_MS = 100;

export class QueueService {
  readonly partition: QueuePartition;
  private readonly now: () => number;
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly statements;

  constructor(
    private readonly db: SqliteDatabase,
    options: QueueServiceOptions,
  ) {
    this.partition = options.partition;
    this.now = options.now ?? Date.now;
    this.statements = {
      getQueue: db.prepare<[string], QueueRow>('SELECT * FROM sqs_queues WHERE name = ?'),
      insertQueue: db.prepare(
        'INSERT INTO sqs_queues (name, created_at, last_modified, attributes) VALUES (?, ?, ?, ?)',
      ),
      updateQueue: db.prepare('UPDATE sqs_queues SET attributes = ?, last_modified = ? WHERE name = ?'),
      deleteQueue: db.prepare('DELETE FROM sqs_queues WHERE name = ?'),
      listQueues: db.prepare<[string], { name: string }>(
        "SELECT name FROM sqs_queues WHERE name LIKE ? ESCAPE '\\' ORDER BY name",
      ),
      insertMessage: db.prepare(
        `INSERT INTO sqs_messages (queue, message_id, body, message_attributes, md5_of_body, md5_of_message_attributes, sent_at, visible_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      expire: db.prepare('DELETE FROM sqs_messages WHERE queue = ? AND sent_at < ?'),
      claim: db.prepare<[number, number, string, string, number, number], MessageRow>(
        `UPDATE sqs_messages SET visible_at = ?, receive_count = receive_count + 1,
           first_received_at = COALESCE(first_received_at, ?), receipt_token = ?
         WHERE seq IN (SELECT seq FROM sqs_messages WHERE queue = ? AND visible_at <= ? ORDER BY visible_at, seq LIMIT ?)
         RETURNING seq, message_id, body, message_attributes, md5_of_body, md5_of_message_attributes, sent_at,
           receive_count, first_received_at, receipt_token`,
      ),
      deleteMessage: db.prepare(
        'DELETE FROM sqs_messages WHERE queue = ? AND message_id = ? AND receipt_token = ?',
      ),
      changeVisibility: db.prepare(
        'UPDATE sqs_messages SET visible_at = ? WHERE queue = ? AND message_id = ? AND receipt_token = ?',
      ),
      purge: db.prepare('DELETE FROM sqs_messages WHERE queue = ?'),
      counts: db.prepare<
        [{ now: number; name: string }],
        { visible: number; inFlight: number; delayed: number }
      >(
        `SELECT
           COALESCE(SUM(visible_at <= @now), 0) AS visible,
           COALESCE(SUM(visible_at > @now AND receive_count > 0), 0) AS inFlight,
           COALESCE(SUM(visible_at > @now AND receive_count = 0), 0) AS delayed
         FROM sqs_messages WHERE queue = @name`,
      ),
    };
  }

  ref(name: string): QueueRef {
    return { name, arn: queueArn(this.partition, name), path: queuePath(this.partition, name) };
  }

  /** Creates a queue; creating an existing one with the same attributes returns it (SQS is idempotent). */
  createQueue(name: string, attributes: Readonly<Record<string, string>> = {}): QueueRef {
    // SECURITY: the name becomes part of URLs and ARNs; only SQS's alphabet is accepted.
    if (name.endsWith('.fifo'))
      throw QueueErrors.invalidParameterValue('FIFO queues are not supported by Kindling.');
    if (!isQueueName(name)) {
      throw QueueErrors.invalidParameterValue(
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const requested = validateAttributes(attributes);
    const existing = this.statements.getQueue.get(name);
    if (existing !== undefined) {
      const current = JSON.parse(existing.attributes) as Record<string, string>;
      for (const [k, v] of Object.entries(requested)) {
        if (current[k] !== v) {
          throw QueueErrors.queueNameExists(
            `A queue already exists with the same name and a different value for attribute ${k}`,
          );
        }
      }
      return this.ref(name);
    }
    const now = this.now();
    durableTransaction(this.db, () => {
      this.statements.insertQueue.run(
        name,
        now,
        now,
        JSON.stringify({ ...defaultAttributes(), ...requested }),
      );
    });
    return this.ref(name);
  }

  /** The queue, or QueueDoesNotExist. */
  getQueue(name: string): QueueRef {
    this.row(name);
    return this.ref(name);
  }

  /** The queue an SQS ARN names, when it exists on this server. */
  queueForArn(arn: string): QueueRef | undefined {
    const name = queueNameFromArn(this.partition, arn);
    if (name === undefined || this.statements.getQueue.get(name) === undefined) return undefined;
    return this.ref(name);
  }

  listQueues(prefix = ''): QueueRef[] {
    const like = `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.statements.listQueues.all(like).map((r) => this.ref(r.name));
  }

  deleteQueue(name: string): void {
    this.row(name);
    this.db
      .transaction(() => {
        this.statements.purge.run(name);
        this.statements.deleteQueue.run(name);
      })
      .immediate();
    this.wake(name);
  }

  purgeQueue(name: string): void {
    this.row(name);
    this.statements.purge.run(name);
  }

  setAttributes(name: string, attributes: Readonly<Record<string, string>>): void {
    const row = this.row(name);
    const merged = {
      ...(JSON.parse(row.attributes) as Record<string, string>),
      ...validateAttributes(attributes),
    };
    this.statements.updateQueue.run(JSON.stringify(merged), this.now(), name);
  }

  getAttributes(name: string, names: readonly string[]): Record<string, string> {
    const row = this.row(name);
    const wanted = names.includes('All') ? ALL_ATTRIBUTE_NAMES : names;
    for (const n of wanted) {
      if (!ALL_ATTRIBUTE_NAMES.includes(n)) throw QueueErrors.invalidAttributeName(`Unknown Attribute ${n}.`);
    }
    const stored = JSON.parse(row.attributes) as Record<string, string>;
    const now = this.now();
    const counts = this.statements.counts.get({ now, name }) ?? { visible: 0, inFlight: 0, delayed: 0 };
    const computed: Record<string, string> = {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(row.created_at / 1000)),
      LastModifiedTimestamp: String(Math.floor(row.last_modified / 1000)),
      QueueArn: queueArn(this.partition, name),
    };
    const out: Record<string, string> = {};
    for (const n of wanted) {
      const v = computed[n] ?? stored[n];
      if (v !== undefined) out[n] = v;
    }
    return out;
  }

  /** Stores a message durably; the caller may acknowledge it when this returns. */
  sendMessage(name: string, input: SendMessageInput): SentMessage {
    const row = this.row(name);
    const attrs = JSON.parse(row.attributes) as Record<string, string>;
    const size = Buffer.byteLength(input.body, 'utf8');
    if (size === 0) throw QueueErrors.missingParameter('The request must contain the parameter MessageBody.');
    if (size > numericAttribute(attrs, 'MaximumMessageSize')) {
      throw QueueErrors.invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${numericAttribute(attrs, 'MaximumMessageSize')} bytes.`,
      );
    }
    // SECURITY: SQS refuses characters outside XML's range; they could not be returned by the query protocol.
    if (/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(input.body)) {
      throw QueueErrors.invalidMessageContents(
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const delay = input.delaySeconds ?? numericAttribute(attrs, 'DelaySeconds');
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw QueueErrors.invalidParameterValue(
        'Value for parameter DelaySeconds is invalid. Reason: must be between 0 and 900.',
      );
    }
    const messageAttributes = input.messageAttributes ?? {};
    const stored: StoredAttributes = {};
    for (const [k, v] of Object.entries(messageAttributes)) {
      stored[k] = {
        dataType: v.dataType,
        ...(v.stringValue !== undefined ? { stringValue: v.stringValue } : {}),
        ...(v.binaryValue !== undefined ? { binaryValue: v.binaryValue.toString('base64') } : {}),
      };
    }
    const sent: SentMessage = {
      messageId: randomUUID(),
      md5OfMessageBody: md5OfBody(input.body),
      md5OfMessageAttributes: md5OfMessageAttributes(messageAttributes),
    };
    const now = this.now();
    durableTransaction(this.db, () => {
      this.statements.insertMessage.run(
        name,
        sent.messageId,
        input.body,
        JSON.stringify(stored),
        sent.md5OfMessageBody,
        sent.md5OfMessageAttributes ?? null,
        now,
        now + delay * 1000,
      );
    });
    // Waiters run after this synchronous turn, so after any enclosing transaction has committed.
    queueMicrotask(() => this.wake(name));
    return sent;
  }

  /** Receives up to MaxNumberOfMessages, waiting up to WaitTimeSeconds for the first one. */
  async receiveMessages(name: string, input: ReceiveMessageInput = {}): Promise<ReceivedMessage[]> {
    const row = this.row(name);
    const attrs = JSON.parse(row.attributes) as Record<string, string>;
    const max = input.maxNumberOfMessages ?? 1;
    if (!Number.isInteger(max) || max < 1 || max > 10) {
      throw QueueErrors.invalidParameterValue(
        `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`,
      );
    }
    const visibility = input.visibilityTimeout ?? numericAttribute(attrs, 'VisibilityTimeout');
    if (!Number.isInteger(visibility) || visibility < 0 || visibility > 43200) {
      throw QueueErrors.invalidParameterValue(
        `Value ${visibility} for parameter VisibilityTimeout is invalid.`,
      );
    }
    const wait = input.waitTimeSeconds ?? numericAttribute(attrs, 'ReceiveMessageWaitTimeSeconds');
    if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
      throw QueueErrors.invalidParameterValue(
        `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`,
      );
    }
    const retention = numericAttribute(attrs, 'MessageRetentionPeriod');
    const deadline = this.now() + wait * 1000;
    for (;;) {
      const now = this.now();
      this.statements.expire.run(name, now - retention * 1000);
      const token = randomBytes(12).toString('base64url');
      const rows = this.statements.claim.all(now + visibility * 1000, now, token, name, now, max);
      if (rows.length > 0 || now >= deadline) {
        rows.sort((a, b) => a.seq - b.seq);
        return rows.map((r) => this.toReceived(name, r, input));
      }
      await this.waitForMessages(name, Math.min(deadline - now, POLL_RECHECK_MS));
      if (this.statements.getQueue.get(name) === undefined) return [];
    }
  }

  deleteMessage(name: string, receiptHandle: string): void {
    this.row(name);
    const handle = parseReceiptHandle(name, receiptHandle);
    // A stale handle (the message was received again since) deletes nothing, as SQS documents.
    this.statements.deleteMessage.run(name, handle.messageId, handle.token);
  }

  changeMessageVisibility(name: string, receiptHandle: string, visibilityTimeout: number): void {
    this.row(name);
    if (!Number.isInteger(visibilityTimeout) || visibilityTimeout < 0 || visibilityTimeout > 43200) {
      throw QueueErrors.invalidParameterValue(
        `Value ${visibilityTimeout} for parameter VisibilityTimeout is invalid.`,
      );
    }
    const handle = parseReceiptHandle(name, receiptHandle);
    this.statements.changeVisibility.run(
      this.now() + visibilityTimeout * 1000,
      name,
      handle.messageId,
      handle.token,
    );
  }

  private toReceived(queue: string, r: MessageRow, input: ReceiveMessageInput): ReceivedMessage {
    const system: Record<string, string> = {
      SenderId: this.partition.accountId,
      SentTimestamp: String(r.sent_at),
      ApproximateReceiveCount: String(r.receive_count),
      ApproximateFirstReceiveTimestamp: String(r.first_received_at ?? r.sent_at),
    };
    const wanted = input.attributeNames ?? [];
    const attributes = wanted.includes('All')
      ? system
      : Object.fromEntries(Object.entries(system).filter(([k]) => wanted.includes(k)));
    const stored = JSON.parse(r.message_attributes) as StoredAttributes;
    const patterns = input.messageAttributeNames ?? [];
    const messageAttributes: Record<string, MessageAttributeValue> = {};
    for (const [k, v] of Object.entries(stored)) {
      if (!matchesAttributeName(k, patterns)) continue;
      messageAttributes[k] = {
        dataType: v.dataType,
        ...(v.stringValue !== undefined ? { stringValue: v.stringValue } : {}),
        ...(v.binaryValue !== undefined ? { binaryValue: Buffer.from(v.binaryValue, 'base64') } : {}),
      };
    }
    const md5Attrs = md5OfMessageAttributes(messageAttributes);
    return {
      messageId: r.message_id,
      receiptHandle: formatReceiptHandle(queue, r.message_id, r.receipt_token),
      body: r.body,
      md5OfBody: r.md5_of_body,
      attributes,
      messageAttributes,
      ...(md5Attrs !== undefined ? { md5OfMessageAttributes: md5Attrs } : {}),
    };
  }

  private row(name: string): QueueRow {
    const row = isQueueName(name) ? this.statements.getQueue.get(name) : undefined;
    if (row === undefined) throw QueueErrors.queueDoesNotExist('The specified queue does not exist.');
    return row;
  }

  private waitForMessages(name: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (set === undefined) {
        set = new Set();
        this.waiters.set(name, set);
      }
      const waiters = set;
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      waiters.add(done);
    });
  }

  private wake(name: string): void {
    const set = this.waiters.get(name);
    if (set === undefined) return;
    for (const w of [...set]) w();
  }
}

function matchesAttributeName(name: string, patterns: readonly string[]): boolean {
  return patterns.some(
    (p) => p === 'All' || p === '.*' || p === name || (p.endsWith('.*') && name.startsWith(p.slice(0, -1))),
  );
}

function formatReceiptHandle(queue: string, messageId: string, token: string): string {
  return Buffer.from(`${queue}\n${messageId}\n${token}`, 'utf8').toString('base64url');
}

function parseReceiptHandle(queue: string, handle: string): { messageId: string; token: string } {
  // SECURITY: a receipt handle is opaque to clients but comes back from them; it must name this queue.
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split('\n');
  if (parts.length !== 3 || parts[0] !== queue || !parts[1] || !parts[2]) {
    throw QueueErrors.receiptHandleIsInvalid(
      `The input receipt handle "${handle}" is not a valid receipt handle.`,
    );
  }
  return { messageId: parts[1], token: parts[2] };
}
