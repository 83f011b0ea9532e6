import Database from "better-sqlite3";
import type { Advice, AdviceTransition, Severity } from "../types.js";
import { formatFloat32 } from "./line-protocol.js";
import { SinkError } from "./sink-error.js";
import { blobValues, type SeriesRow, type StoreTable } from "./store-schema.js";
import { TelemetryLines } from "./telemetry-lines.js";
import type { PointContext } from "./telemetry-sink.js";

export type ExportFormat = "lp" | "csv";

export interface ExportQuery {
  /** From this time (ms, inclusive)… */
  readonly sinceMs: number;
  /** …to this time (ms, exclusive). */
  readonly untilMs: number;
  readonly tables: readonly StoreTable[];
  /** `lp`: line protocol, as InfluxDB would have got it; `csv`: one table, a header and a row per point. */
  readonly format: ExportFormat;
}

const TAG_COLUMNS = ["site", "asset", "profile", "model", "model_version"] as const;
const CHUNK_CHARS = 1 << 16;

/**
 * Writes the local store's points in [since, until) to `write`, ordered by time within each table.
 * Returns how many points were written. Throws SinkError EA_EXPORT_NO_STORE when the file is missing.
 */
export async function exportStore(
  path: string,
  q: ExportQuery,
  write: (text: string) => Promise<void>,
): Promise<number> {
  if (q.format === "csv" && q.tables.length !== 1)
    throw new Error("csv export needs exactly one measurement");
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new SinkError("EA_EXPORT_NO_STORE", `no local store at ${path}: ${(err as Error).message}`);
  }
  let buf = "";
  const emit = async (line: string) => {
    buf += `${line}\n`;
    if (buf.length >= CHUNK_CHARS) {
      const out = buf;
      buf = "";
      await write(out);
    }
  };
  let n = 0;
  try {
    const series = new Map<number, SeriesRow>();
    for (const s of db.prepare("SELECT * FROM series").all() as SeriesRow[]) series.set(s.id, s);
    const ctxs = new Map<number, PointContext>();
    const ctxOf = (id: number): PointContext => {
      let c = ctxs.get(id);
      if (c === undefined) {
        const s = series.get(id)!;
        c = {
          asset: { site: s.site, asset: s.asset, key: `${s.site}/${s.asset}` },
          profile: s.profile,
          model: s.model,
          modelVersion: s.model_version,
        };
        ctxs.set(id, c);
      }
      return c;
    };
    const lines = new TelemetryLines();
    for (const table of q.tables) {
      const rows = db
        .prepare(`SELECT * FROM ${table} WHERE ts >= ? AND ts < ? ORDER BY ts, rowid`)
        .iterate(q.sinceMs, q.untilMs);
      const names = table === "features" ? featureColumns(db, series, q) : [];
      if (q.format === "csv")
        await emit(csvRow(["time", "ts_ms", ...TAG_COLUMNS, ...columnsOf(table, names)]));
      for (const raw of rows) {
        const r = raw as Record<string, unknown> & { ts: number; series: number };
        const s = series.get(r.series);
        if (s === undefined) continue;
        n++;
        if (q.format === "lp") {
          const line = lpLine(lines, table, ctxOf(r.series), s, r);
          if (line !== null) await emit(line);
        } else {
          const head = [
            new Date(r.ts).toISOString(),
            r.ts,
            s.site,
            s.asset,
            s.profile,
            s.model,
            s.model_version,
          ];
          await emit(csvRow([...head, ...csvValues(table, s, r, names)]));
        }
      }
    }
  } finally {
    db.close();
  }
  if (buf !== "") await write(buf);
  return n;
}

function lpLine(
  lines: TelemetryLines,
  table: StoreTable,
  ctx: PointContext,
  s: SeriesRow,
  r: Record<string, unknown>,
): string | null {
  const ts = r.ts as number;
  if (table === "features")
    return lines.features(ctx, ts, JSON.parse(s.names) as string[], blobValues(r.vals as Buffer));
  if (table === "predictions") {
    return lines.prediction(ctx, {
      model: s.model,
      modelVersion: s.model_version,
      tsMs: ts,
      classIndex: r.class_index as number,
      className: r.class as string,
      confidence: num(r.confidence),
      probabilities: new Float32Array(0),
      value: num(r.value),
    });
  }
  const a: Advice = {
    site: s.site,
    asset: s.asset,
    model: s.model,
    modelVersion: s.model_version,
    fault: r.fault as string,
    severity: r.severity as Severity,
    confidence: num(r.confidence),
    action: r.action as string,
    windowTsMs: ts,
    changedAtMs: r.changed_at_ms as number,
    episodeId: r.episode_id as string,
    previousFault: (r.previous_fault as string | null) ?? null,
    previousSeverity: (r.previous_severity as Severity | null) ?? null,
    transition: r.transition as AdviceTransition,
    value: num(r.value),
  };
  return lines.advice(ctx, a);
}

/** Feature names of every series with rows in the range, in first-seen order (the CSV columns). */
function featureColumns(db: Database.Database, series: Map<number, SeriesRow>, q: ExportQuery): string[] {
  const ids = db
    .prepare("SELECT DISTINCT series FROM features WHERE ts >= ? AND ts < ?")
    .pluck()
    .all(q.sinceMs, q.untilMs) as number[];
  const out = new Set<string>();
  for (const id of ids.sort((a, b) => a - b))
    for (const n of JSON.parse(series.get(id)?.names ?? "[]") as string[]) out.add(n);
  return [...out];
}

function columnsOf(table: StoreTable, names: readonly string[]): string[] {
  if (table === "features") return [...names];
  if (table === "predictions") return ["class", "class_index", "confidence", "value"];
  return [
    "fault",
    "severity",
    "confidence",
    "transition",
    "episode_id",
    "action",
    "previous_fault",
    "previous_severity",
    "changed_at",
    "value",
  ];
}

function csvValues(
  table: StoreTable,
  s: SeriesRow,
  r: Record<string, unknown>,
  names: readonly string[],
): unknown[] {
  if (table === "features") {
    const own = JSON.parse(s.names) as string[];
    const vals = blobValues(r.vals as Buffer);
    const at = new Map(own.map((n, i) => [n, i]));
    return names.map((n) => {
      const i = at.get(n);
      const v = i === undefined ? Number.NaN : vals[i]!;
      return Number.isFinite(v) ? formatFloat32(v) : "";
    });
  }
  if (table === "predictions") return [r.class, r.class_index, r.confidence, r.value];
  const changed = new Date(r.changed_at_ms as number).toISOString();
  return [
    r.fault,
    r.severity,
    r.confidence,
    r.transition,
    r.episode_id,
    r.action,
    r.previous_fault,
    r.previous_severity,
    changed,
    r.value,
  ];
}

/** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled; null is empty. */
export function csvRow(fields: readonly unknown[]): string {
  return fields
    .map((f) => {
      if (f === null || f === undefined) return "";
      const s = String(f);
      return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(",");
}

function num(v: unknown): number {
  return typeof v === "number" ? v : Number.NaN;
}
