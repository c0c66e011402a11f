// The queue service's errors, by SQS name. Each carries both of SQS's spellings: the JSON protocol's shape
// name (`__type: com.amazonaws.sqs#QueueDoesNotExist`) and the query protocol's code
// (`AWS.SimpleQueueService.NonExistentQueue`), which the JSON protocol also sends in x-amzn-query-error.

import { LambdaServiceError } from '../errors.js';

interface QueueErrorKind {
  readonly code: string;
  readonly queryCode: string;
}

const kinds = {
  queueDoesNotExist: { code: 'QueueDoesNotExist', queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  queueNameExists: { code: 'QueueNameExists', queryCode: 'QueueAlreadyExists' },
  receiptHandleIsInvalid: { code: 'ReceiptHandleIsInvalid', queryCode: 'ReceiptHandleIsInvalid' },
  invalidAttributeName: { code: 'InvalidAttributeName', queryCode: 'InvalidAttributeName' },
  invalidAttributeValue: { code: 'InvalidAttributeValue', queryCode: 'InvalidAttributeValue' },
  invalidParameterValue: { code: 'InvalidParameterValueException', queryCode: 'InvalidParameterValue' },
  missingParameter: { code: 'MissingRequiredParameterException', queryCode: 'MissingParameter' },
  invalidMessageContents: { code: 'InvalidMessageContents', queryCode: 'InvalidMessageContents' },
  invalidAddress: { code: 'InvalidAddress', queryCode: 'InvalidAddress' },
  unsupportedOperation: {
    code: 'UnsupportedOperation',
    queryCode: 'AWS.SimpleQueueService.UnsupportedOperation',
  },
  invalidAction: { code: 'InvalidAction', queryCode: 'InvalidAction' },
} as const satisfies Record<string, QueueErrorKind>;

const QUERY_CODES = new Map<string, string>(Object.values(kinds).map((k) => [k.code, k.queryCode]));

/** SQS's query-protocol code for an error code; other errors (signatures, ...) keep their own. */
export const queryErrorCode = (code: string): string => QUERY_CODES.get(code) ?? code;

const make = (kind: QueueErrorKind) => (message: string) =>
  new LambdaServiceError(kind.code, 400, message, { origin: 'User' });

export const QueueErrors = {
  queueDoesNotExist: make(kinds.queueDoesNotExist),
  queueNameExists: make(kinds.queueNameExists),
  receiptHandleIsInvalid: make(kinds.receiptHandleIsInvalid),
  invalidAttributeName: make(kinds.invalidAttributeName),
  invalidAttributeValue: make(kinds.invalidAttributeValue),
  invalidParameterValue: make(kinds.invalidParameterValue),
  missingParameter: make(kinds.missingParameter),
  invalidMessageContents: make(kinds.invalidMessageContents),
  invalidAddress: make(kinds.invalidAddress),
  unsupportedOperation: make(kinds.unsupportedOperation),
  invalidAction: make(kinds.invalidAction),
} as const;
