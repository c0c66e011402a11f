// Schedules: recurring and one-time invocations (rate, cron, at) created through the EventBridge Scheduler
// API subset, fired into the durable async queue.

export {
  InvalidScheduleExpression,
  nextFiring,
  parseScheduleExpression,
  type ScheduleExpression,
} from './expression.js';
export { DEFAULT_GROUP, type Schedule, type ScheduleDefinition, ScheduleDefinitionSchema } from './model.js';
export { createScheduleClock, type ScheduleClock } from './schedule-clock.js';
export { Scheduler } from './scheduler.js';
export { ScheduleErrors, Schedules, type ListSchedulesInput, substituteContext } from './schedules.js';
export { schedulesSchema } from './schema.js';
export type { SchedulerSettings } from './settings.js';
