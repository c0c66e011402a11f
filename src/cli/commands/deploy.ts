// `kindling deploy DIR --name N ...`: zips the folder and creates the function, or updates its code and
// configuration when it exists; waits until the function is ready and prints its ARN.

import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  type FunctionConfiguration,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ResourceNotFoundException,
  type Runtime,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { Command } from 'commander';
import type { Connection } from '../connection.js';
import { CliError } from '../output.js';
import { zipFolder } from '../zip-folder.js';

interface DeployFlags {
  name: string;
  runtime?: string;
  handler?: string;
  memory?: string;
  timeout?: string;
  env: string[];
  layer: string[];
  role?: string;
  description?: string;
}

/** Lambda requires a role; Kindling accepts any well-formed one. */
const DEFAULT_ROLE = 'arn:aws:iam::000000000000:role/kindling-function';
const WAIT_LIMIT_MS = 5 * 60 * 1000;

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerDeploy(program: Command, connection: () => Connection): void {
  program
    .command('deploy')
    .description('create or update a function from a folder')
    .argument('<dir>', 'folder with the function code (zipped as it is)')
    .requiredOption('--name <name>', 'function name')
    .option(
      '--runtime <runtime>',
      'runtime, e.g. nodejs20.x, python3.12, provided.al2023 (required to create)',
    )
    .option('--handler <handler>', 'handler, e.g. index.handler (required to create)')
    .option('--memory <mb>', 'memory size in MB')
    .option('--timeout <seconds>', 'timeout in seconds')
    .option('--env <KEY=VALUE>', 'environment variable (repeatable; replaces all variables)', collect, [])
    .option('--layer <arn>', 'layer version ARN (repeatable, in order)', collect, [])
    .option('--role <arn>', 'execution role ARN', undefined)
    .option('--description <text>', 'function description')
    .action(async (dir: string, flags: DeployFlags) => {
      const lambda = connection().lambda();
      const zip = await zipFolder(dir);
      const config = configurationFrom(flags);
      const existing = await getConfiguration(lambda, flags.name);
      let result: FunctionConfiguration;
      if (existing === undefined) {
        if (flags.runtime === undefined || flags.handler === undefined) {
          throw new CliError('InvalidArgument', 'creating a function needs --runtime and --handler');
        }
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: flags.name,
            Role: flags.role ?? DEFAULT_ROLE,
            Code: { ZipFile: zip },
            ...config,
          }),
        );
        result = await waitUntil(lambda, flags.name, (c) => c.State !== 'Pending');
        if (result.State === 'Failed') {
          throw new CliError(
            result.StateReasonCode ?? 'Failed',
            result.StateReason ?? 'function creation failed',
          );
        }
      } else {
        result = existing;
        const sha = createHash('sha256').update(zip).digest('base64');
        if (sha !== existing.CodeSha256) {
          await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: flags.name, ZipFile: zip }));
          result = await waitUntilUpdated(lambda, flags.name);
        }
        if (Object.keys(config).length > 0 || flags.role !== undefined) {
          await lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: flags.name,
              ...(flags.role !== undefined && { Role: flags.role }),
              ...config,
            }),
          );
          result = await waitUntilUpdated(lambda, flags.name);
        }
      }
      process.stdout.write(`${result.FunctionArn}\n`);
    });
}

function configurationFrom(flags: DeployFlags) {
  return {
    // The server checks the runtime name and answers with Lambda's own error.
    ...(flags.runtime !== undefined && { Runtime: flags.runtime as Runtime }),
    ...(flags.handler !== undefined && { Handler: flags.handler }),
    ...(flags.description !== undefined && { Description: flags.description }),
    ...(flags.memory !== undefined && { MemorySize: integer('--memory', flags.memory) }),
    ...(flags.timeout !== undefined && { Timeout: integer('--timeout', flags.timeout) }),
    ...(flags.env.length > 0 && { Environment: { Variables: parseEnv(flags.env) } }),
    ...(flags.layer.length > 0 && { Layers: flags.layer }),
  };
}

function integer(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new CliError('InvalidArgument', `${flag} ${value}: expected a whole number`);
  return Number(value);
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError('InvalidArgument', `--env ${pair}: expected KEY=VALUE`);
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

async function getConfiguration(
  lambda: LambdaClient,
  name: string,
): Promise<FunctionConfiguration | undefined> {
  try {
    return await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

async function waitUntilUpdated(lambda: LambdaClient, name: string): Promise<FunctionConfiguration> {
  const config = await waitUntil(lambda, name, (c) => c.LastUpdateStatus !== 'InProgress');
  if (config.LastUpdateStatus === 'Failed') {
    throw new CliError(
      config.LastUpdateStatusReasonCode ?? 'UpdateFailed',
      config.LastUpdateStatusReason ?? 'the update failed',
    );
  }
  return config;
}

async function waitUntil(
  lambda: LambdaClient,
  name: string,
  ready: (c: FunctionConfiguration) => boolean,
): Promise<FunctionConfiguration> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const config = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    if (ready(config)) return config;
    if (Date.now() > deadline) throw new CliError('Timeout', `${name} is still not ready after 5 minutes`);
    await new Promise((r) => setTimeout(r, delay));
  }
}
