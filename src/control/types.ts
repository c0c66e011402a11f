// The control plane's typed operations: inputs and outputs in Lambda's vocabulary, camelCase. The API layer
// decodes requests into these and encodes these into AWS's PascalCase shapes; nothing here knows HTTP.

import type { FunctionVersionRecord, LayerVersionRecord } from '../store/index.js';

/** Where a deployment package comes from. Only ZipFile is stored; the others are refused with a reason. */
export interface CodeInput {
  readonly zipFile?: Buffer;
  readonly s3Bucket?: string;
  readonly s3Key?: string;
  readonly s3ObjectVersion?: string;
  readonly imageUri?: string;
}

export interface LoggingInput {
  readonly logFormat?: string;
  readonly logGroup?: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
}

/** Configuration fields shared by CreateFunction and UpdateFunctionConfiguration; absent = unchanged/default. */
export interface FunctionConfigInput {
  readonly description?: string;
  readonly role?: string;
  readonly runtime?: string;
  readonly handler?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly ephemeralStorageSize?: number;
  /** Replaces all variables when present (an empty object clears them). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Layer version ARNs, in order; replaces the list when present. */
  readonly layers?: readonly string[];
  readonly tracingMode?: string;
  readonly logging?: LoggingInput;
  /** An empty string removes the dead-letter target. */
  readonly deadLetterTargetArn?: string;
  readonly kmsKeyArn?: string;
  readonly snapStartApplyOn?: string;
  readonly packageType?: string;
  /** True when the request carried ImageConfig (container images are not run here). */
  readonly imageConfig?: boolean;
}

export interface CreateFunctionInput extends FunctionConfigInput {
  readonly functionName: string;
  readonly code: CodeInput;
  readonly architectures?: readonly string[];
  readonly publish?: boolean;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface UpdateFunctionCodeInput {
  readonly code: CodeInput;
  readonly architectures?: readonly string[];
  readonly publish?: boolean;
  readonly dryRun?: boolean;
  readonly revisionId?: string;
}

export interface UpdateFunctionConfigurationInput extends FunctionConfigInput {
  readonly revisionId?: string;
}

export type FunctionState = 'Pending' | 'Active' | 'Inactive' | 'Failed';
export type LastUpdateStatus = 'Successful' | 'Failed' | 'InProgress';

/** What GetFunctionConfiguration and friends describe: one version as the caller addressed it. */
export interface FunctionConfiguration extends Omit<FunctionVersionRecord, 'contentRevision'> {
  /** Unqualified for $LATEST addressed without a qualifier, qualified otherwise (as AWS). */
  readonly functionArn: string;
  readonly state: FunctionState;
  readonly stateReason?: string;
  readonly stateReasonCode?: string;
  readonly lastUpdateStatus?: LastUpdateStatus;
  readonly lastUpdateStatusReason?: string;
  readonly lastUpdateStatusReasonCode?: string;
}

export interface FunctionDetails {
  readonly configuration: FunctionConfiguration;
  /** Hex SHA-256 of the archive, for building Code.Location. */
  readonly codeSha256Hex: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextMarker?: string;
}

export interface ListParams {
  readonly marker?: string;
  readonly maxItems?: number;
}

export interface PublishVersionInput {
  readonly codeSha256?: string;
  readonly description?: string;
  readonly revisionId?: string;
}

export interface AliasConfiguration {
  readonly aliasArn: string;
  readonly name: string;
  readonly functionVersion: string;
  readonly description: string;
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  readonly revisionId: string;
}

export interface CreateAliasInput {
  readonly name: string;
  readonly functionVersion: string;
  readonly description?: string;
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
}

export interface UpdateAliasInput {
  readonly functionVersion?: string;
  readonly description?: string;
  /** Present (possibly empty) = replace the routing; absent = keep it. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  readonly revisionId?: string;
}

export interface PublishLayerVersionInput {
  readonly layerName: string;
  readonly content: CodeInput;
  readonly description?: string;
  readonly compatibleRuntimes?: readonly string[];
  readonly compatibleArchitectures?: readonly string[];
  readonly licenseInfo?: string;
}

export interface LayerVersion extends LayerVersionRecord {
  readonly layerArn: string;
  readonly layerVersionArn: string;
}

export interface LayerSummary {
  readonly layerName: string;
  readonly layerArn: string;
  readonly latestMatchingVersion: LayerVersion;
}

export interface ListLayersParams extends ListParams {
  readonly compatibleRuntime?: string;
  readonly compatibleArchitecture?: string;
}

export interface AccountSettings {
  readonly accountLimit: {
    readonly totalCodeSize: number;
    readonly codeSizeUnzipped: number;
    readonly codeSizeZipped: number;
    readonly concurrentExecutions: number;
    readonly unreservedConcurrentExecutions: number;
  };
  readonly accountUsage: { readonly totalCodeSize: number; readonly functionCount: number };
}

/** What the worker hears so it can drain environments built from something that changed. */
export type ControlEvent =
  | { readonly kind: 'function-updated'; readonly functionArn: string; readonly version: string }
  | { readonly kind: 'function-deleted'; readonly functionArn: string }
  | { readonly kind: 'version-deleted'; readonly functionArn: string; readonly version: string };

export type ControlListener = (event: ControlEvent) => void;
