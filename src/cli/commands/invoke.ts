// `kindling invoke NAME`: a synchronous invoke. The response goes to stdout, the log tail (--tail) to
// stderr, so the response can be piped; a function error exits 1.

import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';

interface InvokeFlags {
  payload?: string;
  qualifier?: string;
  tail?: boolean;
}

export function registerInvoke(program: Command, connection: () => Connection): void {
  program
    .command('invoke')
    .description('invoke a function and print its response')
    .argument('<name>', 'function name or ARN')
    .option('--payload <json>', 'event to send (JSON)', '{}')
    .option('--qualifier <qualifier>', 'version or alias')
    .option('--tail', 'also print the last 4 KB of the invocation log')
    .action(async (name: string, flags: InvokeFlags) => {
      const out = await connection()
        .lambda()
        .send(
          new InvokeCommand({
            FunctionName: name,
            Payload: Buffer.from(flags.payload ?? '{}', 'utf8'),
            ...(flags.qualifier !== undefined && { Qualifier: flags.qualifier }),
            LogType: flags.tail === true ? 'Tail' : 'None',
          }),
        );
      if (flags.tail === true && out.LogResult !== undefined) {
        process.stderr.write(Buffer.from(out.LogResult, 'base64').toString('utf8'));
      }
      const payload = out.Payload === undefined ? '' : Buffer.from(out.Payload).toString('utf8');
      process.stdout.write(payload.endsWith('\n') || payload === '' ? payload : `${payload}\n`);
      if (out.FunctionError !== undefined) {
        process.stderr.write(
          `function error (${out.FunctionError}), executed version ${out.ExecutedVersion}\n`,
        );
        process.exitCode = 1;
      }
    });
}
