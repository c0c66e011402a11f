// Where the `kindling` client finds its access key: KINDLING_ACCESS_KEY_ID / KINDLING_SECRET_ACCESS_KEY,
// or else the pair the server keeps in <data dir>/credentials.json (written on its first start), with the
// data dir from KINDLING_DATA_DIR or ./.kindling — so a client run beside `kindling serve` just works.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { CliError } from './output.js';

export interface ClientCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const StoredCredentials = z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1) });

export function clientDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.KINDLING_DATA_DIR || '.kindling');
}

export function resolveClientCredentials(env: NodeJS.ProcessEnv = process.env): ClientCredentials {
  const accessKeyId = env.KINDLING_ACCESS_KEY_ID;
  const secretAccessKey = env.KINDLING_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  const file = join(clientDataDir(env), 'credentials.json');
  if (!existsSync(file)) {
    throw new CliError(
      'MissingCredentials',
      'no credentials: set KINDLING_ACCESS_KEY_ID and KINDLING_SECRET_ACCESS_KEY, or KINDLING_DATA_DIR to the ' +
        `server's data directory (${file} does not exist)`,
    );
  }
  // SECURITY: the file is parsed and checked before its values are used to sign requests.
  const parsed = StoredCredentials.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new CliError('InvalidCredentials', `${file} does not hold an access key pair`);
  return parsed.data;
}
