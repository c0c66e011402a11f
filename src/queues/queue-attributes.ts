// Queue attributes: which ones a caller may set, their ranges (SQS's documented limits) and defaults.

import { QueueErrors } from './errors.js';

interface NumericAttribute {
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

const NUMERIC: Readonly<Record<string, NumericAttribute>> = {
  DelaySeconds: { min: 0, max: 900, default: 0 },
  MaximumMessageSize: { min: 1024, max: 262144, default: 262144 },
  MessageRetentionPeriod: { min: 60, max: 1209600, default: 345600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, default: 0 },
  VisibilityTimeout: { min: 0, max: 43200, default: 30 },
};

/** Accepted and kept as given; Kindling does not act on them (one account, no encryption at rest). */
const OPAQUE = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
]);

export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export const ALL_ATTRIBUTE_NAMES: readonly string[] = [
  ...Object.keys(NUMERIC),
  ...OPAQUE,
  ...READ_ONLY_ATTRIBUTES,
];

export function defaultAttributes(): Record<string, string> {
  return Object.fromEntries(Object.entries(NUMERIC).map(([k, v]) => [k, String(v.default)]));
}

/** Validates attributes a caller sets; returns them normalised (numbers as decimal strings). */
export function validateAttributes(input: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    const numeric = NUMERIC[name];
    if (numeric !== undefined) {
      const n = Number(value);
      if (!/^\d+$/.test(value) || n < numeric.min || n > numeric.max) {
        throw QueueErrors.invalidAttributeValue(`Invalid value for the parameter ${name}.`);
      }
      out[name] = String(n);
    } else if (OPAQUE.has(name)) {
      out[name] = value;
    } else {
      throw QueueErrors.invalidAttributeName(`Unknown Attribute ${name}.`);
    }
  }
  return out;
}

export const numericAttribute = (
  attrs: Readonly<Record<string, string>>,
  name: keyof typeof NUMERIC,
): number => Number(attrs[name] ?? NUMERIC[name]!.default);
