// Scheduler settings. The values come from the server's configuration (src/config.ts,
// KINDLING_SCHEDULER_TICK_MS and KINDLING_SCHEDULER_TIME_SCALE), validated there at start.

export interface SchedulerSettings {
  /** Longest sleep between checks for due schedules (ms). */
  readonly tickMs: number;
  /** Schedule time per real time: 1 in production; tests speed schedules up. */
  readonly timeScale: number;
}
