// MD5 digests SQS returns with every message; the AWS SDKs recompute them and refuse a response that
// disagrees (MD5OfBody, MD5OfMessageBody), so they must be exact.

import { createHash } from 'node:crypto';
import type { MessageAttributeValue } from './model.js';

export const md5OfBody = (body: string): string => createHash('md5').update(body, 'utf8').digest('hex');

/**
 * MD5OfMessageAttributes, as SQS defines it: for each attribute in name order, the name, the data type and
 * the value, each as a 4-byte big-endian length and its bytes, with a transport byte (1 string, 2 binary)
 * before the value.
 */
export function md5OfMessageAttributes(
  attributes: Readonly<Record<string, MessageAttributeValue>>,
): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  const lengthPrefixed = (bytes: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len);
    hash.update(bytes);
  };
  for (const name of names) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.dataType, 'utf8'));
    if (value.binaryValue !== undefined) {
      hash.update(Buffer.from([2]));
      lengthPrefixed(value.binaryValue);
    } else {
      hash.update(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.stringValue ?? '', 'utf8'));
    }
  }
  return hash.digest('hex');
}
