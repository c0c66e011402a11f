// The `kindling` command (bin/kindling.js runs the compiled form): `serve` runs the server; the other
// commands are ordinary AWS clients of a running server (--endpoint, KINDLING_ENDPOINT).

import { Command } from 'commander';
import { registerDeploy } from './commands/deploy.js';
import { registerInvoke } from './commands/invoke.js';
import { registerLogs } from './commands/logs.js';
import { registerLs } from './commands/ls.js';
import { registerServe } from './commands/serve.js';
import { type Connection, DEFAULT_ENDPOINT, connect } from './connection.js';
import { describeError } from './output.js';

export function buildProgram(): { program: Command; endpoint: () => string } {
  const program = new Command('kindling')
    .description('Kindling: a self-hosted serverless platform that speaks AWS Lambda')
    .option(
      '--endpoint <url>',
      `Kindling endpoint for client commands (KINDLING_ENDPOINT, default ${DEFAULT_ENDPOINT})`,
    )
    .showHelpAfterError();
  let conn: Connection | undefined;
  const connection = () => {
    conn ??= connect(program.opts<{ endpoint?: string }>().endpoint);
    return conn;
  };
  registerServe(program);
  registerDeploy(program, connection);
  registerInvoke(program, connection);
  registerLs(program, connection);
  registerLogs(program, connection);
  return { program, endpoint: () => connection().endpoint };
}

const { program, endpoint } = buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`${describeError(err, endpoint())}\n`);
  process.exitCode = 1;
}
