// The store component's door: the Store interface, the one shared SQLite database every component declares
// its tables in (openDatabase + SchemaPart), and the embedded SQLite implementation of the Store.

export type * from './types.js';
export { openDatabase, type SchemaPart, type SqliteDatabase } from './sqlite/database.js';
export { controlSchema, createSqliteStore } from './sqlite/control-store.js';
