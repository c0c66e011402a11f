// The server a client command talks to, and the AWS SDK clients for it. Client commands are ordinary AWS
// clients: SigV4-signed Lambda and CloudWatch Logs calls to one endpoint.

import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { resolveClientCredentials } from './credentials.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:9000';

export interface Connection {
  readonly endpoint: string;
  readonly region: string;
  lambda(): LambdaClient;
  logs(): CloudWatchLogsClient;
}

export function connect(endpointFlag: string | undefined, env: NodeJS.ProcessEnv = process.env): Connection {
  const endpoint = endpointFlag || env.KINDLING_ENDPOINT || DEFAULT_ENDPOINT;
  const region = env.KINDLING_REGION || 'us-east-1';
  // The SDK's notice about future Node.js support would be printed into every command's output; the
  // runtime requirement is Kindling's to state (package.json engines), not each command's.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = () => ({ endpoint, region, credentials: resolveClientCredentials(env) });
  let lambda: LambdaClient | undefined;
  let logs: CloudWatchLogsClient | undefined;
  return {
    endpoint,
    region,
    lambda: () => {
      lambda ??= new LambdaClient(settings());
      return lambda;
    },
    logs: () => {
      logs ??= new CloudWatchLogsClient(settings());
      return logs;
    },
  };
}
