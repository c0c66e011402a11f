// CPU time read from /proc, for the diagnostics that split a benchmark's CPU between the server, the
// environments and the rest of the host. A process that ends while it is read counts what was read so far.

import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: /proc/PID/stat and /proc/stat count clock ticks of 10 ms on Linux. */
const TICK_US = 1_000_000 / 100;

export interface ProcessCpu {
  /** µs in user mode. */
  readonly user: number;
  /** µs in the kernel. */
  readonly system: number;
  readonly minorFaults: number;
}

/** A process's CPU so far, threads that ended included (/proc/PID/stat; 10 ms ticks). */
export function processCpu(pid: number): ProcessCpu {
  try {
    return statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return { user: 0, system: 0, minorFaults: 0 };
  }
}

/** The same summed over the threads alive now (/proc/PID/task/TID/stat). */
export function liveThreadsCpu(pid: number): ProcessCpu {
  let user = 0;
  let system = 0;
  let minorFaults = 0;
  for (const tid of tasks(pid)) {
    try {
      const cpu = statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
      user += cpu.user;
      system += cpu.system;
      minorFaults += cpu.minorFaults;
    } catch {
      // Ended.
    }
  }
  return { user, system, minorFaults };
}

export interface Schedstat {
  /** µs on a CPU (nanosecond accounting, finer than the tick counts). */
  readonly onCpuUs: number;
  /** µs runnable but waiting for a CPU. */
  readonly waitUs: number;
}

/** On-CPU and run-queue time of the threads alive now (/proc/PID/task/TID/schedstat). */
export function schedstat(pid: number): Schedstat {
  let runNs = 0;
  let waitNs = 0;
  for (const tid of tasks(pid)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      runNs += run ?? 0;
      waitNs += wait ?? 0;
    } catch {
      // Ended.
    }
  }
  return { onCpuUs: runNs / 1000, waitUs: waitNs / 1000 };
}

/** Busy CPU time of the whole host so far, in µs (/proc/stat: everything but idle and iowait). */
export function hostBusyUs(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return (total - (fields[3] ?? 0) - (fields[4] ?? 0)) * TICK_US;
}

function statCpu(stat: string): ProcessCpu {
  // The command name may contain spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    minorFaults: Number(fields[7]),
    user: Number(fields[11]) * TICK_US,
    system: Number(fields[12]) * TICK_US,
  };
}

function tasks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
}
