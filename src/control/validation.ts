// Configuration validation with AWS's error types and messages: ValidationException for what the API
// model constrains (ranges, lengths, patterns, enums), InvalidParameterValueException for what the
// service decides (runtimes, environment size and reserved keys, layers, package type).

import { Errors, validationMessage } from '../errors.js';

export const SUPPORTED_RUNTIMES = [
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'provided.al2',
  'provided.al2023',
] as const;

/** Every runtime identifier AWS's API model knows; layers may declare any of them as compatible. */
export const AWS_RUNTIMES = [
  'nodejs',
  'nodejs4.3',
  'nodejs6.10',
  'nodejs8.10',
  'nodejs10.x',
  'nodejs12.x',
  'nodejs14.x',
  'nodejs16.x',
  'nodejs18.x',
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'java8',
  'java8.al2',
  'java11',
  'java17',
  'java21',
  'java25',
  'python2.7',
  'python3.6',
  'python3.7',
  'python3.8',
  'python3.9',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'dotnetcore1.0',
  'dotnetcore2.0',
  'dotnetcore2.1',
  'dotnetcore3.1',
  'dotnet6',
  'dotnet8',
  'dotnet10',
  'nodejs4.3-edge',
  'go1.x',
  'ruby2.5',
  'ruby2.7',
  'ruby3.2',
  'ruby3.3',
  'ruby3.4',
  'ruby4.0',
  'provided',
  'provided.al2',
  'provided.al2023',
  'java8.al2023',
  'java11.al2023',
  'java17.al2023',
] as const;

export const ARCHITECTURES = ['x86_64', 'arm64'] as const;

/** Lambda's limits (Lambda quotas page; API model). */
export const LIMITS = {
  memoryMin: 128,
  memoryMax: 10_240,
  timeoutMin: 1,
  timeoutMax: 900,
  ephemeralMin: 512,
  ephemeralMax: 10_240,
  descriptionMax: 256,
  handlerMax: 128,
  environmentBytes: 4096,
  layersPerFunction: 5,
  tagsPerFunction: 50,
} as const;

/** Variables Lambda sets itself; a function may not configure them (configuration-envvars.html). */
export const RESERVED_ENVIRONMENT_KEYS = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

const ROLE_PATTERN = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;
const ENV_KEY_PATTERN = /^[a-zA-Z]([a-zA-Z0-9_])+$/;
const HANDLER_PATTERN = /^[^\s]+$/;

type Failure = { value: unknown; field: string; constraint: string };

/** Collects model-level failures and throws them together, as AWS reports "N validation errors". */
export class ValidationFailures {
  private readonly failures: Failure[] = [];

  add(value: unknown, field: string, constraint: string): void {
    this.failures.push({ value, field, constraint });
  }

  range(value: number | undefined, field: string, min: number, max: number): void {
    if (value === undefined) return;
    if (value < min) this.add(value, field, `Member must have value greater than or equal to ${min}`);
    else if (value > max) this.add(value, field, `Member must have value less than or equal to ${max}`);
  }

  maxLength(value: string | undefined, field: string, max: number): void {
    if (value !== undefined && value.length > max) {
      this.add(value, field, `Member must have length less than or equal to ${max}`);
    }
  }

  throwIfAny(): void {
    if (this.failures.length > 0) throw Errors.validation(validationMessage(this.failures));
  }
}

export function checkRuntime(runtime: string): void {
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    throw Errors.invalidParameterValue(
      `Value ${runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [${SUPPORTED_RUNTIMES.join(', ')}] or be a valid ARN`,
    );
  }
}

export function checkRole(v: ValidationFailures, role: string | undefined): void {
  if (role === undefined) return;
  if (!ROLE_PATTERN.test(role)) {
    v.add(
      role,
      'role',
      'Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+',
    );
  }
}

export function checkHandler(v: ValidationFailures, handler: string | undefined): void {
  if (handler === undefined) return;
  v.maxLength(handler, 'handler', LIMITS.handlerMax);
  if (!HANDLER_PATTERN.test(handler))
    v.add(handler, 'handler', 'Member must satisfy regular expression pattern: [^\\s]+');
}

export function checkArchitectures(architectures: readonly string[] | undefined): void {
  if (architectures === undefined) return;
  const listed = `[${architectures.join(', ')}]`;
  if (architectures.length !== 1) {
    throw Errors.validation(
      validationMessage([
        {
          value: listed,
          field: 'architectures',
          constraint: 'Member must have length less than or equal to 1',
        },
      ]),
    );
  }
  if (!(ARCHITECTURES as readonly string[]).includes(architectures[0] ?? '')) {
    throw Errors.validation(
      validationMessage([
        {
          value: listed,
          field: 'architectures',
          constraint:
            'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]',
        },
      ]),
    );
  }
}

/** Environment: key pattern (model), reserved keys and the 4 KB total (service). */
export function checkEnvironment(environment: Readonly<Record<string, string>> | undefined): void {
  if (environment === undefined) return;
  const badKey = Object.keys(environment).find((k) => !ENV_KEY_PATTERN.test(k));
  if (badKey !== undefined) {
    throw Errors.validation(
      "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
    );
  }
  const reserved = Object.keys(environment).filter((k) => RESERVED_ENVIRONMENT_KEYS.has(k));
  if (reserved.length > 0) {
    throw Errors.invalidParameterValue(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  // Lambda measures the variables as compact JSON (LocalStack records AWS's "String measured" message).
  const measured = JSON.stringify(environment);
  if (Buffer.byteLength(measured, 'utf8') > LIMITS.environmentBytes) {
    throw Errors.invalidParameterValue(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

export function checkTracingMode(v: ValidationFailures, mode: string | undefined): void {
  if (mode !== undefined && mode !== 'Active' && mode !== 'PassThrough') {
    v.add(mode, 'tracingConfig.mode', 'Member must satisfy enum value set: [Active, PassThrough]');
  }
}

export function checkLogging(
  v: ValidationFailures,
  logging: { logFormat?: string; applicationLogLevel?: string; systemLogLevel?: string } | undefined,
): void {
  if (!logging) return;
  if (logging.logFormat !== undefined && logging.logFormat !== 'Text' && logging.logFormat !== 'JSON') {
    v.add(logging.logFormat, 'loggingConfig.logFormat', 'Member must satisfy enum value set: [JSON, Text]');
  }
  const app = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
  if (logging.applicationLogLevel !== undefined && !app.includes(logging.applicationLogLevel)) {
    v.add(
      logging.applicationLogLevel,
      'loggingConfig.applicationLogLevel',
      `Member must satisfy enum value set: [${app.join(', ')}]`,
    );
  }
  const system = ['DEBUG', 'INFO', 'WARN'];
  if (logging.systemLogLevel !== undefined && !system.includes(logging.systemLogLevel)) {
    v.add(
      logging.systemLogLevel,
      'loggingConfig.systemLogLevel',
      `Member must satisfy enum value set: [${system.join(', ')}]`,
    );
  }
}

/** The model's pattern for a DeadLetterConfig target (an SQS queue or SNS topic ARN, or empty to remove). */
const TARGET_ARN_PATTERN = /^(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)?$/;

export function checkDeadLetterTarget(v: ValidationFailures, targetArn: string | undefined): void {
  if (targetArn !== undefined && !TARGET_ARN_PATTERN.test(targetArn)) {
    v.add(
      targetArn,
      'deadLetterConfig.targetArn',
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()',
    );
  }
}

/** KMSKeyArn follows the same pattern (AWS names the member `kMSKeyArn` in its messages). */
export function checkKmsKey(v: ValidationFailures, kmsKeyArn: string | undefined): void {
  if (kmsKeyArn !== undefined && !TARGET_ARN_PATTERN.test(kmsKeyArn)) {
    v.add(
      kmsKeyArn,
      'kMSKeyArn',
      'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()',
    );
  }
}

export function checkSnapStart(v: ValidationFailures, applyOn: string | undefined): void {
  if (applyOn !== undefined && applyOn !== 'None' && applyOn !== 'PublishedVersions') {
    v.add(applyOn, 'snapStart.applyOn', 'Member must satisfy enum value set: [PublishedVersions, None]');
  }
}

export function checkPackageType(packageType: string | undefined, imageConfig: boolean | undefined): void {
  if (packageType === 'Image' || imageConfig) {
    throw Errors.invalidParameterValue(
      'PackageType Image is not supported: this server runs .zip deployment packages (PackageType Zip) only.',
    );
  }
  if (packageType !== undefined && packageType !== 'Zip') {
    throw Errors.validation(
      validationMessage([
        {
          value: packageType,
          field: 'packageType',
          constraint: 'Member must satisfy enum value set: [Image, Zip]',
        },
      ]),
    );
  }
}

export function checkTags(tags: Readonly<Record<string, string>>): void {
  if (Object.keys(tags).length > LIMITS.tagsPerFunction) {
    throw Errors.invalidParameterValue('Number of tags exceeds function tag limit.');
  }
}
