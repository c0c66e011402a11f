// `kindling ls`: the functions on the server, one line each.

import { type FunctionConfiguration, paginateListFunctions } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { formatTable } from '../output.js';

export function registerLs(program: Command, connection: () => Connection): void {
  program
    .command('ls')
    .description('list functions')
    .action(async () => {
      const functions: FunctionConfiguration[] = [];
      for await (const page of paginateListFunctions({ client: connection().lambda() }, {})) {
        functions.push(...(page.Functions ?? []));
      }
      functions.sort((a, b) => (a.FunctionName ?? '').localeCompare(b.FunctionName ?? ''));
      const rows = functions.map((f) => [
        f.FunctionName ?? '',
        f.Runtime ?? f.PackageType ?? '',
        `${f.MemorySize ?? ''} MB`,
        f.LastModified ?? '',
      ]);
      process.stdout.write(`${formatTable(['NAME', 'RUNTIME', 'MEMORY', 'LAST MODIFIED'], rows)}\n`);
    });
}
