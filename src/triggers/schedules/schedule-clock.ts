// Schedule time. Normally the wall clock; for development and tests it can run faster
// (KINDLING_SCHEDULER_TIME_SCALE=60 makes rate(1 minute) fire every second). The clock's origin is kept in
// the database, so schedule time stays continuous across restarts at any scale.

import type { SqliteDatabase } from '../../store/index.js';

export interface ScheduleClock {
  /** Epoch ms in schedule time. */
  now(): number;
  /** Real milliseconds until schedule time reaches `at`. */
  realDelayUntil(at: number): number;
}

export function createScheduleClock(
  db: SqliteDatabase,
  scale = 1,
  realNow: () => number = Date.now,
): ScheduleClock {
  const row = db
    .prepare<[], { origin_real: number; origin_schedule: number; scale: number }>(
      'SELECT * FROM scheduler_clock WHERE id = 1',
    )
    .get();
  let originReal = realNow();
  let originSchedule = originReal;
  if (row !== undefined && row.scale === scale) {
    originReal = row.origin_real;
    originSchedule = row.origin_schedule;
  } else {
    // A new or re-scaled clock continues from the schedule time the old one had reached.
    if (row !== undefined) originSchedule = row.origin_schedule + (originReal - row.origin_real) * row.scale;
    db.prepare(
      'INSERT OR REPLACE INTO scheduler_clock (id, origin_real, origin_schedule, scale) VALUES (1, ?, ?, ?)',
    ).run(originReal, Math.round(originSchedule), scale);
  }
  return {
    now: () => Math.round(originSchedule + (realNow() - originReal) * scale),
    realDelayUntil: (at) => Math.max(0, (at - (originSchedule + (realNow() - originReal) * scale)) / scale),
  };
}
