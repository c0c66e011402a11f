// What the control plane hands to the invoke path: an immutable, fully resolved function version.
// The invoke path never sees the store or the API shapes; it sees these plain values.

/** One layer of a function version, unzipped once on the host, read-only. Applied in order: later wins. */
export interface LayerContent {
  /** Layer version ARN, e.g. arn:aws:lambda:us-east-1:000000000000:layer:deps:3 */
  readonly arn: string;
  /** Host directory holding the layer's unzipped content (what appears under /opt). */
  readonly dir: string;
}

/** An immutable function version (a published version, or a snapshot of $LATEST at one revision). */
export interface FunctionVersionSpec {
  readonly functionName: string;
  /** Unqualified function ARN: arn:aws:lambda:REGION:ACCOUNT:function:NAME */
  readonly functionArn: string;
  /** '$LATEST' or a published version number as a string. */
  readonly version: string;
  readonly runtime: string;
  readonly handler: string;
  readonly memorySize: number;
  /** Seconds, 1–900. */
  readonly timeout: number;
  /** /tmp size in MB, 512–10240. */
  readonly ephemeralStorageSize: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly architectures: readonly string[];
  readonly codeSha256: string;
  /** Host directory holding the unzipped code (what appears at /var/task), read-only. */
  readonly codeDir: string;
  readonly layers: readonly LayerContent[];
  /**
   * Changes whenever the code or configuration that environments were built from changes. Environments
   * of an older revision are drained (in-flight invokes finish; no new ones start on them).
   */
  readonly revisionId: string;
  readonly logGroup: string;
  readonly logFormat: 'Text' | 'JSON';
  readonly deadLetterTargetArn?: string;
}

/** The result of resolving a name/ARN and qualifier for an invoke. */
export interface InvokeTarget {
  /** The ARN the caller invoked, qualified as the caller qualified it (Lambda-Runtime-Invoked-Function-Arn). */
  readonly invokedFunctionArn: string;
  /** Alias name when the qualifier was an alias. */
  readonly alias?: string;
  /**
   * Versions the invoke may run on, with weights summing to 1. One entry unless the alias has a
   * RoutingConfig; the invoke path picks one and reports it in X-Amz-Executed-Version.
   */
  readonly candidates: ReadonlyArray<{ readonly spec: FunctionVersionSpec; readonly weight: number }>;
}

/** What the invoke path asks of the control plane. Implemented by the control service. */
export interface FunctionResolver {
  /**
   * Resolves a FunctionName path parameter (name, name:qualifier, partial or full ARN) and an optional
   * Qualifier to an invoke target. Throws ResourceNotFoundException / ValidationException as AWS does.
   * Hot path: answers from memory; the store is consulted only when something changed.
   */
  resolve(functionName: string, qualifier: string | undefined): InvokeTarget;
}
