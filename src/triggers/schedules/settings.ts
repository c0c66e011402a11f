// Scheduler settings from the environment: KINDLING_SCHEDULER_TICK_MS (longest sleep between checks,
// default 1000) and KINDLING_SCHEDULER_TIME_SCALE (schedule time per real time, default 1; for tests).

export interface SchedulerSettings {
  readonly tickMs: number;
  readonly timeScale: number;
}

export function schedulerSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): SchedulerSettings {
  const tick = Number(env.KINDLING_SCHEDULER_TICK_MS ?? 1000);
  const scale = Number(env.KINDLING_SCHEDULER_TIME_SCALE ?? 1);
  if (!Number.isFinite(tick) || tick < 10)
    throw new Error('invalid configuration: KINDLING_SCHEDULER_TICK_MS: must be >= 10');
  if (!Number.isFinite(scale) || scale <= 0 || scale > 3600) {
    throw new Error('invalid configuration: KINDLING_SCHEDULER_TIME_SCALE: must be > 0 and <= 3600');
  }
  return { tickMs: tick, timeScale: scale };
}
