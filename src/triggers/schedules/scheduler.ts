// The scheduler's heartbeat: fires due schedules, then sleeps until the next one is due (at most one tick,
// KINDLING_SCHEDULER_TICK_MS, so schedules changed elsewhere are noticed). On start it fires whatever came
// due while the server was down — once per schedule.

import type { Logger } from 'pino';
import type { ScheduleClock } from './schedule-clock.js';
import type { Schedules } from './schedules.js';

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly schedules: Schedules,
    private readonly clock: ScheduleClock,
    private readonly log: Logger,
    private readonly tickMs = 1000,
  ) {
    schedules.onChange = () => this.arm();
  }

  start(): void {
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private tick(): void {
    if (!this.running) return;
    try {
      this.schedules.fireDue();
    } catch (err) {
      this.log.error({ err }, 'scheduler tick failed');
    }
    this.arm();
  }

  private arm(): void {
    if (!this.running) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const next = this.schedules.nextDueAt();
    const delay = next === undefined ? this.tickMs : Math.min(this.tickMs, this.clock.realDelayUntil(next));
    this.timer = setTimeout(() => this.tick(), Math.ceil(delay));
    this.timer.unref();
  }
}
