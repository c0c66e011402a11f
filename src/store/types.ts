// The Store: everything the control plane persists, as plain typed records. Implementations (the embedded
// SQLite store today) keep these exactly; the control service owns every rule about them.
//
// The interface is synchronous: the embedded store answers from an in-process SQLite database, and the
// invoke path's resolver (FunctionResolver.resolve) must answer without awaiting.

/** Where a version's or layer version's code lives, content-addressed. */
export interface CodeRef {
  /** Hex SHA-256 of the zip archive: the artifact's key on disk. */
  readonly sha256Hex: string;
  /** Base64 SHA-256 of the zip archive: Lambda's CodeSha256. */
  readonly codeSha256: string;
  /** Size of the zip archive in bytes: Lambda's CodeSize. */
  readonly codeSize: number;
}

export interface LayerRef extends CodeRef {
  /** Layer version ARN. */
  readonly arn: string;
}

export interface LoggingSettings {
  readonly logFormat: 'Text' | 'JSON';
  readonly logGroup: string;
  readonly applicationLogLevel?: string;
  readonly systemLogLevel?: string;
}

/** The configuration and code of one function version ($LATEST or a published number). */
export interface FunctionVersionRecord {
  readonly functionName: string;
  /** '$LATEST' or a published version number as a string. */
  readonly version: string;
  readonly description: string;
  readonly role: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySize: number;
  readonly timeout: number;
  readonly ephemeralStorageSize: number;
  /** Undefined when the function has no Environment configured. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly architectures: readonly string[];
  readonly packageType: 'Zip';
  readonly tracingMode: 'Active' | 'PassThrough';
  readonly logging: LoggingSettings;
  /**
   * Layers in order, each with its content reference: a function keeps using a layer version's content
   * even after that layer version is deleted, as Lambda does.
   */
  readonly layers: readonly LayerRef[];
  readonly deadLetterTargetArn?: string;
  readonly kmsKeyArn?: string;
  readonly snapStartApplyOn: 'None' | 'PublishedVersions';
  readonly code: CodeRef;
  /** Changes on every change of the version (Lambda's RevisionId). */
  readonly revisionId: string;
  /**
   * Changes only when code or configuration changes; a published version keeps the value of the $LATEST
   * it was published from, so "nothing changed since the last publish" is an equality test.
   */
  readonly contentRevision: string;
  /** ISO 8601 with milliseconds, UTC. */
  readonly lastModified: string;
}

export interface FunctionRecord {
  readonly name: string;
  readonly createdAt: string;
  /** The number the next PublishVersion gets; numbers are never reused. */
  readonly nextVersion: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface AliasRecord {
  readonly functionName: string;
  readonly name: string;
  readonly functionVersion: string;
  readonly description: string;
  /** RoutingConfig.AdditionalVersionWeights; undefined when the alias points at one version. */
  readonly additionalVersionWeights?: Readonly<Record<string, number>>;
  readonly revisionId: string;
}

export interface LayerVersionRecord {
  readonly layerName: string;
  readonly version: number;
  readonly description: string;
  readonly licenseInfo?: string;
  readonly compatibleRuntimes: readonly string[];
  readonly compatibleArchitectures: readonly string[];
  /** ISO 8601 with milliseconds, UTC. */
  readonly createdDate: string;
  readonly code: CodeRef;
}

/** An unzipped, content-addressed archive known to the store. */
export interface CodeArtifactRecord extends CodeRef {
  /** Bytes of the unzipped content. */
  readonly unzippedSize: number;
  readonly createdAt: string;
}

export interface Store {
  /** Runs `fn` atomically: every write inside commits together or not at all. */
  transaction<T>(fn: () => T): T;

  getFunction(name: string): FunctionRecord | undefined;
  /** All functions, ordered by name. */
  listFunctions(): FunctionRecord[];
  /** Inserts a new function with its $LATEST version. */
  createFunction(fn: FunctionRecord, latest: FunctionVersionRecord): void;
  updateFunction(fn: FunctionRecord): void;
  /** Deletes the function with all its versions and aliases. */
  deleteFunction(name: string): void;

  getVersion(functionName: string, version: string): FunctionVersionRecord | undefined;
  /** $LATEST first, then published versions in ascending order. */
  listVersions(functionName: string): FunctionVersionRecord[];
  /** Inserts or replaces a version. */
  putVersion(version: FunctionVersionRecord): void;
  deleteVersion(functionName: string, version: string): void;

  getAlias(functionName: string, name: string): AliasRecord | undefined;
  /** Ordered by name. */
  listAliases(functionName: string): AliasRecord[];
  putAlias(alias: AliasRecord): void;
  deleteAlias(functionName: string, name: string): void;

  /** Reserves and returns the next version number of a layer (creating the layer on first use). */
  reserveLayerVersion(layerName: string): number;
  putLayerVersion(layerVersion: LayerVersionRecord): void;
  getLayerVersion(layerName: string, version: number): LayerVersionRecord | undefined;
  /** Newest first. */
  listLayerVersions(layerName: string): LayerVersionRecord[];
  /** Names of layers that have at least one version, ordered by name. */
  listLayerNames(): string[];
  deleteLayerVersion(layerName: string, version: number): void;

  getArtifact(sha256Hex: string): CodeArtifactRecord | undefined;
  putArtifact(artifact: CodeArtifactRecord): void;
  listArtifacts(): CodeArtifactRecord[];
  /** True when any function version or layer version still references the artifact. */
  isArtifactReferenced(sha256Hex: string): boolean;
  deleteArtifact(sha256Hex: string): void;

  /** Sum of CodeSize over every function version and layer version (GetAccountSettings' TotalCodeSize). */
  totalCodeSize(): number;
}
