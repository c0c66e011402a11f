// Admission: whether one more invocation of a function version may run now, counted as Lambda counts
// concurrency (limits.ts). An admitted invocation holds a lease until it ends; a refused one gets the
// throttle Reason. Constant time per invoke: it reads a snapshot of the limits (rebuilt when settings or
// resolutions change) and a few counters.
//
//   1. the version has provisioned concurrency with room  → a provisioned lease
//   2. the function has a reservation                     → on-demand within reserved − Σ provisioned,
//                                                           else ReservedFunctionConcurrentInvocationLimitExceeded
//   3. otherwise                                          → on-demand within the unreserved pool,
//                                                           else ConcurrentInvocationLimitExceeded

/** TooManyRequestsException.Reason values a concurrency limit produces (wire contract 2.4). */
export type ThrottleReason =
  | 'ConcurrentInvocationLimitExceeded'
  | 'ReservedFunctionConcurrentInvocationLimitExceeded';

/** The limits admission applies, resolved to versions. */
export interface AdmissionLimits {
  readonly accountLimit: number;
  /** Function name → ReservedConcurrentExecutions. */
  readonly reserved: ReadonlyMap<string, number>;
  /** The unreserved pool: account limit − Σ reserved − Σ provisioned of unreserved functions. */
  readonly unreservedPool: number;
  /** Function name → Σ of its provisioned concurrency. */
  readonly provisionedByFunction: ReadonlyMap<string, number>;
  /** versionKey(function, version) → provisioned concurrency of that version (its versions and aliases). */
  readonly provisionedByVersion: ReadonlyMap<string, number>;
}

export const versionKey = (functionName: string, version: string) => `${functionName}\n${version}`;

/** Only the account limit: what applies before any reservation or provisioned concurrency exists. */
export function accountOnlyLimits(accountLimit: number): AdmissionLimits {
  return {
    accountLimit,
    reserved: new Map(),
    unreservedPool: accountLimit,
    provisionedByFunction: new Map(),
    provisionedByVersion: new Map(),
  };
}

export interface Lease {
  /** Provisioned leases run within the version's provisioned concurrency. */
  readonly kind: 'provisioned' | 'on-demand';
  /** Ends the lease; calling it again does nothing. */
  release(): void;
}

export type AdmissionDecision =
  | { readonly admitted: true; readonly lease: Lease }
  | { readonly admitted: false; readonly reason: ThrottleReason };

export class Admission {
  private readonly provisionedInFlight = new Map<string, number>();
  private readonly onDemandInFlight = new Map<string, number>();
  /** On-demand invocations of functions without a reservation: what the unreserved pool holds. */
  private unreservedInFlight = 0;
  private total = 0;

  constructor(private limits: AdmissionLimits) {}

  /** New limits apply to the next admission; leases already held are released where they were counted. */
  update(limits: AdmissionLimits): void {
    this.limits = limits;
  }

  admit(functionName: string, version: string): AdmissionDecision {
    const l = this.limits;
    const vKey = versionKey(functionName, version);
    const provisioned = l.provisionedByVersion.get(vKey) ?? 0;
    if (provisioned > 0 && (this.provisionedInFlight.get(vKey) ?? 0) < provisioned) {
      return this.lease('provisioned', this.provisionedInFlight, vKey, false);
    }
    const reserved = l.reserved.get(functionName);
    if (reserved !== undefined) {
      const onDemandRoom = reserved - (l.provisionedByFunction.get(functionName) ?? 0);
      if ((this.onDemandInFlight.get(functionName) ?? 0) < onDemandRoom) {
        return this.lease('on-demand', this.onDemandInFlight, functionName, false);
      }
      return { admitted: false, reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' };
    }
    if (this.unreservedInFlight < l.unreservedPool) {
      return this.lease('on-demand', this.onDemandInFlight, functionName, true);
    }
    return { admitted: false, reason: 'ConcurrentInvocationLimitExceeded' };
  }

  /** Invocations running now (ConcurrentExecutions). */
  inFlight(): number {
    return this.total;
  }

  private lease(
    kind: Lease['kind'],
    counters: Map<string, number>,
    key: string,
    unreserved: boolean,
  ): AdmissionDecision {
    counters.set(key, (counters.get(key) ?? 0) + 1);
    if (unreserved) this.unreservedInFlight++;
    this.total++;
    let held = true;
    return {
      admitted: true,
      lease: {
        kind,
        release: () => {
          if (!held) return;
          held = false;
          const n = (counters.get(key) ?? 1) - 1;
          if (n <= 0) counters.delete(key);
          else counters.set(key, n);
          if (unreserved) this.unreservedInFlight--;
          this.total--;
        },
      },
    };
  }
}
