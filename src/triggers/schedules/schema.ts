// Schedules survive restarts: each row keeps its definition and its next firing time; the scheduler clock's
// row keeps the (optionally scaled) schedule time consistent across restarts.

import type { SchemaPart } from '../../store/index.js';

export const schedulesSchema: SchemaPart = {
  name: 'schedules',
  migrations: [
    `CREATE TABLE schedules (
      group_name TEXT NOT NULL,
      name TEXT NOT NULL,
      definition TEXT NOT NULL,
      creation_date INTEGER NOT NULL,
      last_modification_date INTEGER NOT NULL,
      next_fire_at INTEGER,
      last_fired_at INTEGER,
      PRIMARY KEY (group_name, name)
    )`,
    'CREATE INDEX schedules_due ON schedules (next_fire_at)',
    `CREATE TABLE scheduler_clock (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      origin_real INTEGER NOT NULL,
      origin_schedule INTEGER NOT NULL,
      scale REAL NOT NULL
    )`,
  ],
};
