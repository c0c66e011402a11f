// Where concurrency settings persist: reserved concurrency per function and provisioned-concurrency
// configurations per function qualifier, in the shared SQLite database (schema.ts). Synchronous, like the
// control plane's store: admission reads a snapshot built from it, never the database itself.

import type { SqliteDatabase } from '../../store/index.js';

export interface ProvisionedConfigRecord {
  readonly functionName: string;
  /** A published version number or an alias name. */
  readonly qualifier: string;
  /** RequestedProvisionedConcurrentExecutions. */
  readonly requested: number;
  /** ISO 8601 with milliseconds, UTC. */
  readonly lastModified: string;
}

interface ReservedRow {
  function_name: string;
  reserved_concurrent_executions: number;
}

interface ProvisionedRow {
  function_name: string;
  qualifier: string;
  requested: number;
  last_modified: string;
}

const toProvisioned = (r: ProvisionedRow): ProvisionedConfigRecord => ({
  functionName: r.function_name,
  qualifier: r.qualifier,
  requested: r.requested,
  lastModified: r.last_modified,
});

export class ConcurrencySettingsStore {
  private readonly q;

  constructor(private readonly db: SqliteDatabase) {
    this.q = {
      reserved: db.prepare<[], ReservedRow>('SELECT * FROM function_concurrency ORDER BY function_name'),
      putReserved: db.prepare<[string, number]>(
        `INSERT INTO function_concurrency (function_name, reserved_concurrent_executions) VALUES (?, ?)
         ON CONFLICT (function_name) DO UPDATE SET reserved_concurrent_executions = excluded.reserved_concurrent_executions`,
      ),
      deleteReserved: db.prepare<[string]>('DELETE FROM function_concurrency WHERE function_name = ?'),
      provisioned: db.prepare<[], ProvisionedRow>(
        'SELECT * FROM provisioned_concurrency ORDER BY function_name, qualifier',
      ),
      putProvisioned: db.prepare<[string, string, number, string]>(
        `INSERT INTO provisioned_concurrency (function_name, qualifier, requested, last_modified) VALUES (?, ?, ?, ?)
         ON CONFLICT (function_name, qualifier) DO UPDATE SET requested = excluded.requested, last_modified = excluded.last_modified`,
      ),
      deleteProvisioned: db.prepare<[string, string]>(
        'DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?',
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Every reservation: function name → ReservedConcurrentExecutions. */
  reservations(): Map<string, number> {
    return new Map(this.q.reserved.all().map((r) => [r.function_name, r.reserved_concurrent_executions]));
  }

  putReserved(functionName: string, reserved: number): void {
    this.q.putReserved.run(functionName, reserved);
  }

  deleteReserved(functionName: string): void {
    this.q.deleteReserved.run(functionName);
  }

  /** Every provisioned-concurrency configuration, by function then qualifier. */
  provisionedConfigs(): ProvisionedConfigRecord[] {
    return this.q.provisioned.all().map(toProvisioned);
  }

  putProvisioned(c: ProvisionedConfigRecord): void {
    this.q.putProvisioned.run(c.functionName, c.qualifier, c.requested, c.lastModified);
  }

  deleteProvisioned(functionName: string, qualifier: string): void {
    this.q.deleteProvisioned.run(functionName, qualifier);
  }
}
