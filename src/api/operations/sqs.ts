// The SQS API subset that serves Kindling's built-in queues, in both of SQS's protocols on the one endpoint:
// - JSON 1.0 (current AWS SDKs): POST / with X-Amz-Target: AmazonSQS.<Operation>; errors carry
//   `__type: com.amazonaws.sqs#<Name>` and the query code in x-amzn-query-error (SQS is awsQueryCompatible).
// - query (AWS CLI v2 before 2.13, older SDKs): POST / form-encoded Action=<Operation>&...; XML answers and
//   XML ErrorResponse.
// Both decode into the JSON protocol's input shape, run one operation table, and encode its output.

import { z } from 'zod';
import type { LambdaServiceError } from '../../errors.js';
import { nestsDeeperThan } from '../../json-depth.js';
import {
  type MessageAttributeValue,
  QueueErrors,
  type QueueService,
  type ReceivedMessage,
  queryErrorCode,
  queueNameFromUrl,
} from '../../queues/index.js';
import type { ApiRequest, ApiResponse, Routes } from '../http.js';
import { MAX_JSON_DEPTH } from './json-depth.js';

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
const SQS_XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';
/** SQS accepts messages up to 256 KB; a request carries one message plus its attributes. */
const MAX_BODY = 1024 * 1024;

export interface SqsApiDeps {
  readonly queues: QueueService;
}

// SECURITY: every field below comes from the request; the schemas bound types and sizes before use.
const QueueUrl = z.string().min(1).max(2048);
const AttributeMap = z.record(z.string().max(256), z.string().max(262144));
const NameList = z.array(z.string().min(1).max(256)).max(100);
const MessageAttribute = z.object({
  DataType: z.string().min(1).max(256),
  StringValue: z.string().optional(),
  BinaryValue: z.string().optional(),
});

const Inputs = {
  CreateQueue: z.object({ QueueName: z.string().min(1).max(256), Attributes: AttributeMap.optional() }),
  GetQueueUrl: z.object({
    QueueName: z.string().min(1).max(256),
    QueueOwnerAWSAccountId: z.string().optional(),
  }),
  ListQueues: z.object({
    QueueNamePrefix: z.string().max(80).optional(),
    MaxResults: z.number().int().min(1).max(1000).optional(),
    NextToken: z.string().optional(),
  }),
  DeleteQueue: z.object({ QueueUrl }),
  PurgeQueue: z.object({ QueueUrl }),
  GetQueueAttributes: z.object({ QueueUrl, AttributeNames: NameList.optional() }),
  SetQueueAttributes: z.object({ QueueUrl, Attributes: AttributeMap }),
  SendMessage: z.object({
    QueueUrl,
    MessageBody: z.string().max(262144),
    DelaySeconds: z.number().int().optional(),
    MessageAttributes: z.record(z.string().min(1).max(256), MessageAttribute).optional(),
  }),
  ReceiveMessage: z.object({
    QueueUrl,
    MaxNumberOfMessages: z.number().int().optional(),
    VisibilityTimeout: z.number().int().optional(),
    WaitTimeSeconds: z.number().int().optional(),
    AttributeNames: NameList.optional(),
    MessageSystemAttributeNames: NameList.optional(),
    MessageAttributeNames: NameList.optional(),
  }),
  DeleteMessage: z.object({ QueueUrl, ReceiptHandle: z.string().min(1).max(4096) }),
  ChangeMessageVisibility: z.object({
    QueueUrl,
    ReceiptHandle: z.string().min(1).max(4096),
    VisibilityTimeout: z.number().int(),
  }),
} as const;

type OperationName = keyof typeof Inputs;
type Output = Record<string, unknown>;
type Operation = (input: never, req: ApiRequest) => Output | Promise<Output>;

export function registerSqsApi(routes: Routes, { queues }: SqsApiDeps): void {
  const nameOf = (url: string): string => {
    const name = queueNameFromUrl(queues.partition, url);
    if (name === undefined) throw QueueErrors.queueDoesNotExist('The specified queue does not exist.');
    return name;
  };
  const urlOf = (req: ApiRequest, path: string) => `${req.baseUrl}${path}`;

  const operations: {
    [K in OperationName]: (input: z.infer<(typeof Inputs)[K]>, req: ApiRequest) => Output | Promise<Output>;
  } = {
    CreateQueue: (i, req) => ({
      QueueUrl: urlOf(req, queues.createQueue(i.QueueName, i.Attributes ?? {}).path),
    }),
    GetQueueUrl: (i, req) => ({ QueueUrl: urlOf(req, queues.getQueue(i.QueueName).path) }),
    ListQueues: (i, req) => {
      const all = queues.listQueues(i.QueueNamePrefix ?? '');
      const start = i.NextToken === undefined ? 0 : Number.parseInt(i.NextToken, 10) || 0;
      const end = i.MaxResults === undefined ? all.length : start + i.MaxResults;
      const page = all.slice(start, end);
      return {
        ...(page.length > 0 ? { QueueUrls: page.map((q) => urlOf(req, q.path)) } : {}),
        ...(i.MaxResults !== undefined && end < all.length ? { NextToken: String(end) } : {}),
      };
    },
    DeleteQueue: (i) => {
      queues.deleteQueue(nameOf(i.QueueUrl));
      return {};
    },
    PurgeQueue: (i) => {
      queues.purgeQueue(nameOf(i.QueueUrl));
      return {};
    },
    GetQueueAttributes: (i) => {
      const names = i.AttributeNames ?? [];
      const attributes = names.length === 0 ? {} : queues.getAttributes(nameOf(i.QueueUrl), names);
      if (names.length === 0) queues.getQueue(nameOf(i.QueueUrl));
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
    SetQueueAttributes: (i) => {
      queues.setAttributes(nameOf(i.QueueUrl), i.Attributes);
      return {};
    },
    SendMessage: (i) => {
      const sent = queues.sendMessage(nameOf(i.QueueUrl), {
        body: i.MessageBody,
        ...(i.DelaySeconds !== undefined ? { delaySeconds: i.DelaySeconds } : {}),
        ...(i.MessageAttributes !== undefined
          ? { messageAttributes: decodeMessageAttributes(i.MessageAttributes) }
          : {}),
      });
      return {
        MessageId: sent.messageId,
        MD5OfMessageBody: sent.md5OfMessageBody,
        ...(sent.md5OfMessageAttributes !== undefined
          ? { MD5OfMessageAttributes: sent.md5OfMessageAttributes }
          : {}),
      };
    },
    ReceiveMessage: async (i) => {
      const messages = await queues.receiveMessages(nameOf(i.QueueUrl), {
        ...(i.MaxNumberOfMessages !== undefined ? { maxNumberOfMessages: i.MaxNumberOfMessages } : {}),
        ...(i.VisibilityTimeout !== undefined ? { visibilityTimeout: i.VisibilityTimeout } : {}),
        ...(i.WaitTimeSeconds !== undefined ? { waitTimeSeconds: i.WaitTimeSeconds } : {}),
        attributeNames: [...(i.AttributeNames ?? []), ...(i.MessageSystemAttributeNames ?? [])],
        messageAttributeNames: i.MessageAttributeNames ?? [],
      });
      return messages.length > 0 ? { Messages: messages.map(encodeMessage) } : {};
    },
    DeleteMessage: (i) => {
      queues.deleteMessage(nameOf(i.QueueUrl), i.ReceiptHandle);
      return {};
    },
    ChangeMessageVisibility: (i) => {
      queues.changeMessageVisibility(nameOf(i.QueueUrl), i.ReceiptHandle, i.VisibilityTimeout);
      return {};
    },
  };

  async function run(operation: string, input: unknown, req: ApiRequest): Promise<Output> {
    if (!Object.hasOwn(Inputs, operation)) {
      throw QueueErrors.invalidAction(`The action ${operation} is not valid for this endpoint.`);
    }
    const name = operation as OperationName;
    const parsed = Inputs[name].safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw QueueErrors.invalidParameterValue(
        `Value for parameter ${issue?.path.join('.') ?? 'input'} is invalid. Reason: ${issue?.message ?? 'malformed'}.`,
      );
    }
    return (operations[name] as Operation)(parsed.data as never, req);
  }

  routes.addTarget(
    SQS_TARGET_PREFIX,
    async (req) => {
      let input: unknown;
      try {
        input = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
      } catch {
        throw QueueErrors.invalidParameterValue('The request body is not valid JSON.');
      }
      if (nestsDeeperThan(input, MAX_JSON_DEPTH)) {
        throw QueueErrors.invalidParameterValue(
          `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`,
        );
      }
      const output = await run(req.params.Operation ?? '', input, req);
      return {
        status: 200,
        headers: { 'Content-Type': 'application/x-amz-json-1.0' },
        body: Buffer.from(JSON.stringify(output)),
      };
    },
    { encodeError: encodeJsonError, maxBodyBytes: MAX_BODY },
  );

  routes.add(
    'POST',
    '/',
    async (req) => {
      const params = new URLSearchParams(req.body.toString('utf8'));
      for (const [k, v] of req.query) if (!params.has(k)) params.append(k, v);
      const action = params.get('Action') ?? '';
      const output = await run(action, queryToJsonInput(params), req);
      return {
        status: 200,
        headers: { 'Content-Type': 'text/xml' },
        body: xmlResponse(action, output, req.requestId),
      };
    },
    { encodeError: encodeXmlError, maxBodyBytes: MAX_BODY },
  );
}

function decodeMessageAttributes(
  input: Record<string, z.infer<typeof MessageAttribute>>,
): Record<string, MessageAttributeValue> {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, v] of Object.entries(input)) {
    const binary = v.DataType.startsWith('Binary');
    if (binary ? v.BinaryValue === undefined : v.StringValue === undefined) {
      throw QueueErrors.invalidParameterValue(
        `The message attribute '${name}' must contain a non-empty message attribute value.`,
      );
    }
    out[name] = binary
      ? { dataType: v.DataType, binaryValue: Buffer.from(v.BinaryValue ?? '', 'base64') }
      : { dataType: v.DataType, stringValue: v.StringValue ?? '' };
  }
  return out;
}

function encodeMessage(m: ReceivedMessage): Output {
  const attrs = Object.entries(m.messageAttributes);
  return {
    MessageId: m.messageId,
    ReceiptHandle: m.receiptHandle,
    MD5OfBody: m.md5OfBody,
    Body: m.body,
    ...(Object.keys(m.attributes).length > 0 ? { Attributes: m.attributes } : {}),
    ...(m.md5OfMessageAttributes !== undefined ? { MD5OfMessageAttributes: m.md5OfMessageAttributes } : {}),
    ...(attrs.length > 0
      ? {
          MessageAttributes: Object.fromEntries(
            attrs.map(([k, v]) => [
              k,
              {
                DataType: v.dataType,
                ...(v.stringValue !== undefined ? { StringValue: v.stringValue } : {}),
                ...(v.binaryValue !== undefined ? { BinaryValue: v.binaryValue.toString('base64') } : {}),
              },
            ]),
          ),
        }
      : {}),
  };
}

// ---- JSON 1.0 errors ------------------------------------------------------------------------------------

function encodeJsonError(error: LambdaServiceError, _requestId: string): ApiResponse {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: error.status,
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${queryErrorCode(error.code)};${type}`,
      ...error.headers,
    },
    body: Buffer.from(JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message })),
  };
}

// ---- query protocol -------------------------------------------------------------------------------------

const NUMERIC_PARAMS = new Set([
  'DelaySeconds',
  'MaxNumberOfMessages',
  'VisibilityTimeout',
  'WaitTimeSeconds',
  'MaxResults',
]);

/** Flattened query parameters (Attribute.1.Name=...) to the JSON protocol's input shape. */
export function queryToJsonInput(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const indexed = new Map<string, Map<string, Record<string, string>>>();
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const m = /^([A-Za-z]+)\.(\d+)(?:\.(.+))?$/.exec(key);
    if (m === null) {
      out[key] = NUMERIC_PARAMS.has(key) && /^-?\d+$/.test(value) ? Number(value) : value;
      continue;
    }
    const [, group, index, rest] = m as unknown as [string, string, string, string | undefined];
    let byIndex = indexed.get(group);
    if (byIndex === undefined) {
      byIndex = new Map();
      indexed.set(group, byIndex);
    }
    const entry = byIndex.get(index) ?? {};
    entry[rest ?? ''] = value;
    byIndex.set(index, entry);
  }
  for (const [group, byIndex] of indexed) {
    const entries = [...byIndex.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, e]) => e);
    if (group === 'Attribute') {
      out.Attributes = Object.fromEntries(entries.map((e) => [e.Name ?? '', e.Value ?? '']));
    } else if (group === 'MessageAttribute') {
      out.MessageAttributes = Object.fromEntries(
        entries.map((e) => [
          e.Name ?? '',
          {
            DataType: e['Value.DataType'] ?? '',
            ...(e['Value.StringValue'] !== undefined ? { StringValue: e['Value.StringValue'] } : {}),
            ...(e['Value.BinaryValue'] !== undefined ? { BinaryValue: e['Value.BinaryValue'] } : {}),
          },
        ]),
      );
    } else if (
      group === 'AttributeName' ||
      group === 'MessageAttributeName' ||
      group === 'MessageSystemAttributeName'
    ) {
      out[`${group}s`] = entries.map((e) => e[''] ?? '');
    }
  }
  return out;
}

const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );

/** One output value as query-protocol XML: lists and maps are flattened into repeated elements. */
function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (name === 'Messages' && Array.isArray(value)) return value.map((m) => toXml('Message', m)).join('');
  if (name === 'QueueUrls' && Array.isArray(value)) return value.map((u) => toXml('QueueUrl', u)).join('');
  if ((name === 'Attributes' || name === 'MessageAttributes') && typeof value === 'object') {
    const element = name === 'Attributes' ? 'Attribute' : 'MessageAttribute';
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `<${element}><Name>${escapeXml(k)}</Name>${toXml('Value', v)}</${element}>`)
      .join('');
  }
  if (typeof value === 'object') {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(k, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function xmlResponse(action: string, output: Output, requestId: string): string {
  const result = Object.entries(output)
    .map(([k, v]) => toXml(k, v))
    .join('');
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${SQS_XMLNS}">` +
    `<${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function encodeXmlError(error: LambdaServiceError, requestId: string): ApiResponse {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return {
    status: error.status,
    headers: { 'Content-Type': 'text/xml', ...error.headers },
    body:
      `<?xml version="1.0"?><ErrorResponse xmlns="${SQS_XMLNS}"><Error><Type>${type}</Type>` +
      `<Code>${escapeXml(queryErrorCode(error.code))}</Code><Message>${escapeXml(error.message)}</Message><Detail/></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
