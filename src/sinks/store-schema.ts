import type Database from "better-sqlite3";

/**
 * Tables of the local history store (SQLite). A series row holds what the tags of InfluxDB hold
 * (site, asset, profile, model, model version) and, for features, the feature names; the data
 * rows refer to it. Feature values are float32 little-endian BLOBs in the series' name order:
 * 16 features are 64 bytes a window.
 */
export const STORE_SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  site TEXT NOT NULL,
  asset TEXT NOT NULL,
  profile TEXT NOT NULL,
  model TEXT NOT NULL,
  model_version TEXT NOT NULL,
  names TEXT NOT NULL DEFAULT '[]',
  UNIQUE (kind, site, asset, profile, model, model_version, names));
CREATE TABLE IF NOT EXISTS features (ts INTEGER NOT NULL, series INTEGER NOT NULL, vals BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS features_ts ON features (ts);
CREATE TABLE IF NOT EXISTS predictions (
  ts INTEGER NOT NULL, series INTEGER NOT NULL,
  class TEXT NOT NULL, class_index INTEGER NOT NULL, confidence REAL, value REAL);
CREATE INDEX IF NOT EXISTS predictions_ts ON predictions (ts);
CREATE TABLE IF NOT EXISTS advice (
  ts INTEGER NOT NULL, series INTEGER NOT NULL,
  fault TEXT NOT NULL, severity TEXT NOT NULL, confidence REAL, transition TEXT NOT NULL,
  episode_id TEXT NOT NULL, action TEXT NOT NULL, previous_fault TEXT, previous_severity TEXT,
  changed_at_ms INTEGER NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS advice_ts ON advice (ts);
`;

/** The tables that hold points, in the order `export` writes them. */
export const STORE_TABLES = ["features", "predictions", "advice"] as const;
export type StoreTable = (typeof STORE_TABLES)[number];

export interface SeriesRow {
  readonly id: number;
  readonly kind: StoreTable;
  readonly site: string;
  readonly asset: string;
  readonly profile: string;
  readonly model: string;
  readonly model_version: string;
  readonly names: string;
}

export function openStoreDb(db: Database.Database): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(STORE_SCHEMA_SQL);
}

/** Float32 values as the BLOB stored (a copy: the pipeline reuses its buffer). */
export function valuesBlob(values: Float32Array): Buffer {
  const b = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i]!, i * 4);
  return b;
}

export function blobValues(b: Buffer): Float32Array {
  const out = new Float32Array(b.length >> 2);
  for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(i * 4);
  return out;
}
