// What one execution environment may use, derived from its MemorySize the way Lambda does.

/** Lambda: "at 1,769 MB, a function has the equivalent of one vCPU". */
export const MB_PER_VCPU = 1769;
/**
 * The CFS accounting period; the quota is a share of it. 40 ms rather than the kernel's default 100 ms: a
 * throttled environment that spends its quota early waits out the rest of the period, so a shorter period
 * turns a ~90 ms stall into at most ~37 ms at the same average share. Not shorter: the kernel hands quota
 * to each CPU in 5 ms slices and keeps 1 ms per CPU, so a quota near 1 ms (128 MB at a 20 ms period) is
 * spent by the first wake-up of each period and every invocation stalls (measured; docs/performance.md).
 * 128 MB gets 2,894 us per period.
 */
export const CPU_PERIOD_US = 40_000;
/** cpuQuotaUs meaning "no quota" (cgroup v1 -1, v2 "max"): INIT runs boosted, as Lambda's does. */
export const NO_CPU_QUOTA = -1;
/**
 * CFS burst (cgroup v1 cpu.cfs_burst_us, v2 cpu.max.burst) for a quota: quota an environment left unused in
 * earlier periods, up to one period's quota (the kernel's maximum), may run in a later one, so a function
 * that was idle runs a short burst of invocations unthrottled. The long-run share is unchanged: over any
 * window of N periods the kernel allows at most N quotas plus one burst.
 */
export function cpuBurstUs(cpuQuotaUs: number): number {
  return cpuQuotaUs === NO_CPU_QUOTA ? 0 : cpuQuotaUs;
}
/** The kernel refuses quotas under 1 ms. */
const MIN_CPU_QUOTA_US = 1_000;
/** Enough for any function's threads and subprocesses, too few for a fork bomb to hurt the host. */
export const PIDS_MAX = 1024;

export interface EnvironmentLimits {
  /** Hard memory limit, swap included (no swap). */
  readonly memoryBytes: number;
  /** CPU time per CPU_PERIOD_US: 1,769 MB = one full period = one vCPU; NO_CPU_QUOTA for none. */
  readonly cpuQuotaUs: number;
  /** Relative weight under contention, proportional to memory as well (cgroup v1 shares, 1024 = one vCPU). */
  readonly cpuShares: number;
  readonly pidsMax: number;
}

export function limitsForMemory(memoryMb: number): EnvironmentLimits {
  const vcpus = memoryMb / MB_PER_VCPU;
  return {
    memoryBytes: memoryMb * 1024 * 1024,
    cpuQuotaUs: Math.max(MIN_CPU_QUOTA_US, Math.round(vcpus * CPU_PERIOD_US)),
    cpuShares: Math.max(2, Math.round(vcpus * 1024)),
    pidsMax: PIDS_MAX,
  };
}

/** cgroup v2 cpu.weight (1..10000, default 100) from v1-style shares (2..262144, default 1024). */
export function weightFromShares(shares: number): number {
  return Math.min(10_000, Math.max(1, Math.round(1 + ((shares - 2) * 9999) / 262142)));
}
