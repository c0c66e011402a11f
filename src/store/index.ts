// The store component's door: the Store interface and the embedded SQLite implementation.

export type * from './types.js';
export { controlSchema, createSqliteStore } from './sqlite/control-store.js';
