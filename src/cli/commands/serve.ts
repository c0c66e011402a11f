// `kindling serve`: starts the server with flags ← environment ← data dir config.json ← defaults.

import type { Command } from 'commander';
import { type ConfigOverrides, loadConfig } from '../../config.js';
import { CliError } from '../output.js';

interface ServeFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  sandbox?: string;
  logLevel?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Kindling server (Lambda API, CloudWatch Logs API, function URLs) on one endpoint')
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--port <port>', 'port to listen on, 0 for any free port (default 9000)')
    .option('--data-dir <dir>', 'where functions, code and logs are kept (default ./.kindling)')
    .option('--sandbox <tier>', 'isolation of execution environments: auto, process or namespace')
    .option('--log-level <level>', 'server log level: fatal, error, warn, info, debug, trace or silent')
    .action(async (flags: ServeFlags) => {
      const config = loadConfig(toOverrides(flags));
      // Loaded here, not at the top: client commands should not pay for loading the whole server.
      const { startKindling } = await import('../../main.js');
      const server = await startKindling(config);
      process.stdout.write(`Kindling ready at ${server.endpoint}\n`);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.exit(130);
        }
        stopping = true;
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`error while stopping after ${signal}: ${String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}

function toOverrides(flags: ServeFlags): ConfigOverrides {
  const overrides: Record<string, unknown> = {
    host: flags.host,
    dataDir: flags.dataDir,
    sandbox: flags.sandbox,
    logLevel: flags.logLevel,
  };
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!/^\d+$/.test(flags.port) || port > 65535)
      throw new CliError('InvalidArgument', `--port ${flags.port}: not a port`);
    overrides.port = port;
  }
  // Values are checked by loadConfig's schema, which names the offending setting.
  return overrides as ConfigOverrides;
}
