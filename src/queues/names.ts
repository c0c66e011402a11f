// Queue names, URLs and ARNs. A queue URL is `<endpoint>/<account>/<name>` and its ARN
// `arn:aws:sqs:<region>:<account>:<name>`, as SQS spells them.

export interface QueuePartition {
  readonly accountId: string;
  readonly region: string;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const QUEUE_ARN =
  /^arn:aws[a-zA-Z-]*:sqs:(?<region>[a-z0-9-]+):(?<account>\d{12}):(?<name>[A-Za-z0-9_.-]{1,80})$/;

export const isQueueName = (name: string): boolean => QUEUE_NAME.test(name);

export const queueArn = (p: QueuePartition, name: string): string =>
  `arn:aws:sqs:${p.region}:${p.accountId}:${name}`;

export const queuePath = (p: QueuePartition, name: string): string => `/${p.accountId}/${name}`;

/** The queue name an ARN names, when the ARN is an SQS ARN of this server's account and region. */
export function queueNameFromArn(p: QueuePartition, arn: string): string | undefined {
  const m = QUEUE_ARN.exec(arn);
  if (m?.groups === undefined) return undefined;
  if (m.groups.region !== p.region || m.groups.account !== p.accountId) return undefined;
  return m.groups.name;
}

export const isQueueArn = (arn: string): boolean => QUEUE_ARN.test(arn);

/**
 * The queue name a QueueUrl names. Only the path counts: clients reach this server under many host names
 * (localhost, 127.0.0.1, a container name), and a queue is the same queue under each.
 */
export function queueNameFromUrl(p: QueuePartition, url: string): string | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    // A bare queue name or a path is accepted as SQS does for some clients.
    path = url.startsWith('/') ? url : `/${p.accountId}/${url}`;
  }
  const parts = path.split('/').filter((s) => s !== '');
  if (parts.length !== 2 || parts[0] !== p.accountId) return undefined;
  const name = decodeURIComponent(parts[1]!);
  return isQueueName(name) ? name : undefined;
}
