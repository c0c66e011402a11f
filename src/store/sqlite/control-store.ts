// The embedded SQLite implementation of the control plane's Store. Tables live in the one shared database
// (src/store/sqlite/database.ts); configuration snapshots are stored as JSON documents beside the columns
// that queries need (keys, ordering, code references).

import type {
  AliasRecord,
  CodeArtifactRecord,
  FunctionRecord,
  FunctionVersionRecord,
  LayerVersionRecord,
  Store,
} from '../types.js';
import type { SchemaPart, SqliteDatabase } from './database.js';

/** The control plane's tables. Append-only: never edit an applied migration. */
export const controlSchema: SchemaPart = {
  name: 'control',
  migrations: [
    `CREATE TABLE functions (
       name TEXT PRIMARY KEY,
       created_at TEXT NOT NULL,
       next_version INTEGER NOT NULL,
       tags_json TEXT NOT NULL
     )`,
    `CREATE TABLE function_versions (
       function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
       version TEXT NOT NULL,
       -- NULL for $LATEST so that it sorts first
       version_number INTEGER,
       code_hex TEXT NOT NULL,
       code_size INTEGER NOT NULL,
       config_json TEXT NOT NULL,
       PRIMARY KEY (function_name, version)
     )`,
    `CREATE TABLE aliases (
       function_name TEXT NOT NULL REFERENCES functions(name) ON DELETE CASCADE,
       name TEXT NOT NULL,
       alias_json TEXT NOT NULL,
       PRIMARY KEY (function_name, name)
     )`,
    `CREATE TABLE layers (
       name TEXT PRIMARY KEY,
       next_version INTEGER NOT NULL
     )`,
    `CREATE TABLE layer_versions (
       layer_name TEXT NOT NULL REFERENCES layers(name),
       version INTEGER NOT NULL,
       code_hex TEXT NOT NULL,
       code_size INTEGER NOT NULL,
       layer_json TEXT NOT NULL,
       PRIMARY KEY (layer_name, version)
     )`,
    `CREATE TABLE code_artifacts (
       sha256_hex TEXT PRIMARY KEY,
       code_sha256 TEXT NOT NULL,
       code_size INTEGER NOT NULL,
       unzipped_size INTEGER NOT NULL,
       created_at TEXT NOT NULL
     )`,
    'CREATE INDEX function_versions_code ON function_versions(code_hex)',
    'CREATE INDEX layer_versions_code ON layer_versions(code_hex)',
  ],
};

interface FunctionRow {
  name: string;
  created_at: string;
  next_version: number;
  tags_json: string;
}

interface ArtifactRow {
  sha256_hex: string;
  code_sha256: string;
  code_size: number;
  unzipped_size: number;
  created_at: string;
}

const toFunction = (row: FunctionRow): FunctionRecord => ({
  name: row.name,
  createdAt: row.created_at,
  nextVersion: row.next_version,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
});

const toArtifact = (row: ArtifactRow): CodeArtifactRecord => ({
  sha256Hex: row.sha256_hex,
  codeSha256: row.code_sha256,
  codeSize: row.code_size,
  unzippedSize: row.unzipped_size,
  createdAt: row.created_at,
});

const versionNumber = (version: string): number | null => (version === '$LATEST' ? null : Number(version));

export function createSqliteStore(db: SqliteDatabase): Store {
  const q = {
    getFunction: db.prepare<[string], FunctionRow>('SELECT * FROM functions WHERE name = ?'),
    listFunctions: db.prepare<[], FunctionRow>('SELECT * FROM functions ORDER BY name'),
    insertFunction: db.prepare<[string, string, number, string]>(
      'INSERT INTO functions (name, created_at, next_version, tags_json) VALUES (?, ?, ?, ?)',
    ),
    updateFunction: db.prepare<[number, string, string]>(
      'UPDATE functions SET next_version = ?, tags_json = ? WHERE name = ?',
    ),
    deleteFunction: db.prepare<[string]>('DELETE FROM functions WHERE name = ?'),
    getVersion: db.prepare<[string, string], { config_json: string }>(
      'SELECT config_json FROM function_versions WHERE function_name = ? AND version = ?',
    ),
    listVersions: db.prepare<[string], { config_json: string }>(
      'SELECT config_json FROM function_versions WHERE function_name = ? ORDER BY version_number IS NOT NULL, version_number',
    ),
    putVersion: db.prepare<[string, string, number | null, string, number, string]>(
      `INSERT OR REPLACE INTO function_versions
         (function_name, version, version_number, code_hex, code_size, config_json) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    deleteVersion: db.prepare<[string, string]>(
      'DELETE FROM function_versions WHERE function_name = ? AND version = ?',
    ),
    getAlias: db.prepare<[string, string], { alias_json: string }>(
      'SELECT alias_json FROM aliases WHERE function_name = ? AND name = ?',
    ),
    listAliases: db.prepare<[string], { alias_json: string }>(
      'SELECT alias_json FROM aliases WHERE function_name = ? ORDER BY name',
    ),
    putAlias: db.prepare<[string, string, string]>(
      'INSERT OR REPLACE INTO aliases (function_name, name, alias_json) VALUES (?, ?, ?)',
    ),
    deleteAlias: db.prepare<[string, string]>('DELETE FROM aliases WHERE function_name = ? AND name = ?'),
    ensureLayer: db.prepare<[string]>('INSERT OR IGNORE INTO layers (name, next_version) VALUES (?, 1)'),
    takeLayerVersion: db.prepare<[string], { next_version: number }>(
      'UPDATE layers SET next_version = next_version + 1 WHERE name = ? RETURNING next_version - 1 AS next_version',
    ),
    putLayerVersion: db.prepare<[string, number, string, number, string]>(
      `INSERT OR REPLACE INTO layer_versions (layer_name, version, code_hex, code_size, layer_json)
         VALUES (?, ?, ?, ?, ?)`,
    ),
    getLayerVersion: db.prepare<[string, number], { layer_json: string }>(
      'SELECT layer_json FROM layer_versions WHERE layer_name = ? AND version = ?',
    ),
    listLayerVersions: db.prepare<[string], { layer_json: string }>(
      'SELECT layer_json FROM layer_versions WHERE layer_name = ? ORDER BY version DESC',
    ),
    listLayerNames: db.prepare<[], { layer_name: string }>(
      'SELECT DISTINCT layer_name FROM layer_versions ORDER BY layer_name',
    ),
    deleteLayerVersion: db.prepare<[string, number]>(
      'DELETE FROM layer_versions WHERE layer_name = ? AND version = ?',
    ),
    getArtifact: db.prepare<[string], ArtifactRow>('SELECT * FROM code_artifacts WHERE sha256_hex = ?'),
    listArtifacts: db.prepare<[], ArtifactRow>('SELECT * FROM code_artifacts ORDER BY sha256_hex'),
    putArtifact: db.prepare<[string, string, number, number, string]>(
      `INSERT OR REPLACE INTO code_artifacts (sha256_hex, code_sha256, code_size, unzipped_size, created_at)
         VALUES (?, ?, ?, ?, ?)`,
    ),
    artifactReferenced: db.prepare<[{ hex: string }], { n: number }>(
      // Layer references live inside the version documents; a 64-hex key cannot match by accident.
      `SELECT (SELECT COUNT(*) FROM function_versions WHERE code_hex = @hex OR instr(config_json, @hex) > 0)
            + (SELECT COUNT(*) FROM layer_versions WHERE code_hex = @hex) AS n`,
    ),
    deleteArtifact: db.prepare<[string]>('DELETE FROM code_artifacts WHERE sha256_hex = ?'),
    totalCodeSize: db.prepare<[], { total: number }>(
      `SELECT (SELECT COALESCE(SUM(code_size), 0) FROM function_versions)
            + (SELECT COALESCE(SUM(code_size), 0) FROM layer_versions) AS total`,
    ),
  };

  const putVersion = (v: FunctionVersionRecord) =>
    q.putVersion.run(
      v.functionName,
      v.version,
      versionNumber(v.version),
      v.code.sha256Hex,
      v.code.codeSize,
      JSON.stringify(v),
    );

  return {
    transaction: <T>(fn: () => T): T => db.transaction(fn).immediate(),

    getFunction(name) {
      const row = q.getFunction.get(name);
      return row ? toFunction(row) : undefined;
    },
    listFunctions: () => q.listFunctions.all().map(toFunction),
    createFunction(fn, latest) {
      db.transaction(() => {
        q.insertFunction.run(fn.name, fn.createdAt, fn.nextVersion, JSON.stringify(fn.tags));
        putVersion(latest);
      }).immediate();
    },
    updateFunction(fn) {
      q.updateFunction.run(fn.nextVersion, JSON.stringify(fn.tags), fn.name);
    },
    deleteFunction(name) {
      q.deleteFunction.run(name);
    },

    getVersion(functionName, version) {
      const row = q.getVersion.get(functionName, version);
      return row ? (JSON.parse(row.config_json) as FunctionVersionRecord) : undefined;
    },
    listVersions: (functionName) =>
      q.listVersions.all(functionName).map((r) => JSON.parse(r.config_json) as FunctionVersionRecord),
    putVersion(version) {
      putVersion(version);
    },
    deleteVersion(functionName, version) {
      q.deleteVersion.run(functionName, version);
    },

    getAlias(functionName, name) {
      const row = q.getAlias.get(functionName, name);
      return row ? (JSON.parse(row.alias_json) as AliasRecord) : undefined;
    },
    listAliases: (functionName) =>
      q.listAliases.all(functionName).map((r) => JSON.parse(r.alias_json) as AliasRecord),
    putAlias(alias) {
      q.putAlias.run(alias.functionName, alias.name, JSON.stringify(alias));
    },
    deleteAlias(functionName, name) {
      q.deleteAlias.run(functionName, name);
    },

    reserveLayerVersion(layerName) {
      return db
        .transaction(() => {
          q.ensureLayer.run(layerName);
          const row = q.takeLayerVersion.get(layerName);
          if (!row) throw new Error(`layer ${layerName} vanished while reserving a version`);
          return row.next_version;
        })
        .immediate();
    },
    putLayerVersion(lv) {
      q.putLayerVersion.run(
        lv.layerName,
        lv.version,
        lv.code.sha256Hex,
        lv.code.codeSize,
        JSON.stringify(lv),
      );
    },
    getLayerVersion(layerName, version) {
      const row = q.getLayerVersion.get(layerName, version);
      return row ? (JSON.parse(row.layer_json) as LayerVersionRecord) : undefined;
    },
    listLayerVersions: (layerName) =>
      q.listLayerVersions.all(layerName).map((r) => JSON.parse(r.layer_json) as LayerVersionRecord),
    listLayerNames: () => q.listLayerNames.all().map((r) => r.layer_name),
    deleteLayerVersion(layerName, version) {
      q.deleteLayerVersion.run(layerName, version);
    },

    getArtifact(sha256Hex) {
      const row = q.getArtifact.get(sha256Hex);
      return row ? toArtifact(row) : undefined;
    },
    listArtifacts: () => q.listArtifacts.all().map(toArtifact),
    putArtifact(a: CodeArtifactRecord) {
      q.putArtifact.run(a.sha256Hex, a.codeSha256, a.codeSize, a.unzippedSize, a.createdAt);
    },
    isArtifactReferenced: (sha256Hex) => (q.artifactReferenced.get({ hex: sha256Hex })?.n ?? 0) > 0,
    deleteArtifact(sha256Hex) {
      q.deleteArtifact.run(sha256Hex);
    },

    totalCodeSize: () => q.totalCodeSize.get()?.total ?? 0,
  };
}
