// Destination ARNs Kindling can deliver to: another function (an async invoke of it) or a built-in queue.

import { type QueuePartition, queueNameFromArn } from '../../queues/index.js';

export type DestinationTarget =
  | { readonly kind: 'function'; readonly functionName: string; readonly qualifier?: string }
  | { readonly kind: 'queue'; readonly queueName: string };

const FUNCTION_ARN =
  /^arn:aws[a-zA-Z-]*:lambda:(?<region>[a-z0-9-]+):(?<account>\d{12}):function:(?<name>[a-zA-Z0-9-_]{1,64})(?::(?<qualifier>\$LATEST|[a-zA-Z0-9-_]{1,128}))?$/;

/** What a destination ARN names on this server, or undefined when Kindling cannot deliver there. */
export function parseDestinationArn(p: QueuePartition, arn: string): DestinationTarget | undefined {
  const fn = FUNCTION_ARN.exec(arn);
  if (fn?.groups !== undefined) {
    if (fn.groups.region !== p.region || fn.groups.account !== p.accountId) return undefined;
    return {
      kind: 'function',
      functionName: fn.groups.name!,
      ...(fn.groups.qualifier !== undefined ? { qualifier: fn.groups.qualifier } : {}),
    };
  }
  const queueName = queueNameFromArn(p, arn);
  return queueName === undefined ? undefined : { kind: 'queue', queueName };
}
