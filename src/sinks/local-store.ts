import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { StoreConfig } from "../config/sinks-schema.js";
import type { Logger } from "../ops/logger.js";
import type { Advice, Prediction } from "../types.js";
import { openStoreDb, type StoreTable, valuesBlob } from "./store-schema.js";
import type { PointContext, SinkHealth, TelemetrySink } from "./telemetry-sink.js";

export interface LocalStoreOptions {
  readonly config: StoreConfig;
  /** Absolute path of the SQLite file. */
  readonly path: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Rows waiting for the next transaction; beyond it new rows are dropped (counted). */
  readonly maxBufferedRows?: number;
}

type Row = readonly unknown[];

const DAY_MS = 86_400_000;
/** Rows deleted per table per retention step (a few ms of work). */
const DELETE_CHUNK = 2_000;

/**
 * The embedded history: features, predictions and advice changes in a local SQLite file, for
 * installs without InfluxDB. Rows are buffered and written in one transaction per
 * `flushIntervalMs`; advice is written at once. Every minute rows older than `retentionDays`
 * are deleted, and the oldest feature and prediction rows beyond `maxRows` each.
 */
export class LocalStore implements TelemetrySink {
  readonly name = "store";
  private readonly opts: LocalStoreOptions;
  private readonly now: () => number;
  private db: Database.Database | null = null;
  private stmts!: ReturnType<LocalStore["prepare"]>;
  private readonly seriesIds = new Map<string, WeakMap<PointContext, number>>();
  private featureRows: Row[] = [];
  private predictionRows: Row[] = [];
  private readonly rows = { features: 0, predictions: 0 };
  private timers: NodeJS.Timeout[] = [];
  private problem = "";
  readonly counters = { written: 0, dropped: 0, deleted: 0 };

  constructor(opts: LocalStoreOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(this.opts.path), { recursive: true });
      db = new Database(this.opts.path);
      openStoreDb(db);
      this.db = db;
      this.stmts = this.prepare(db);
      for (const t of ["features", "predictions"] as const) {
        this.rows[t] = (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
      }
    } catch (err) {
      this.problem = `cannot open the store ${this.opts.path}: ${(err as Error).message}`;
      db?.close();
      this.db = null;
      this.opts.log.error({ code: "EA_STORE_IO", err: this.problem }, "local history store unusable");
      return;
    }
    this.retain();
    const c = this.opts.config;
    this.timers.push(setInterval(() => this.flush(), c.flushIntervalMs));
    // Age retention in small steps every few seconds; maxRows is trimmed with every flush.
    this.timers.push(setInterval(() => this.retain(false), 5_000));
    for (const t of this.timers) t.unref();
    this.opts.log.info(
      { path: this.opts.path, retentionDays: c.retentionDays, maxRows: c.maxRows, rows: this.rows },
      "local history store opened",
    );
  }

  async stop(_timeoutMs: number): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.flush();
    this.db?.close();
    this.db = null;
  }

  features(ctx: PointContext, tsMs: number, names: readonly string[], values: Float32Array): void {
    const id = this.series("features", ctx, names);
    if (id !== null && this.room()) this.featureRows.push([Math.round(tsMs), id, valuesBlob(values)]);
  }

  prediction(ctx: PointContext, p: Prediction): void {
    const id = this.series("predictions", ctx);
    if (id === null || !this.room()) return;
    this.predictionRows.push([
      Math.round(p.tsMs),
      id,
      p.className,
      p.classIndex,
      finite(p.confidence),
      finite(p.value),
    ]);
  }

  advice(ctx: PointContext, a: Advice): void {
    const id = this.series("advice", ctx);
    if (id === null) return;
    try {
      this.stmts.advice.run(
        Math.round(a.windowTsMs),
        id,
        a.fault,
        a.severity,
        finite(a.confidence),
        a.transition,
        a.episodeId,
        a.action,
        a.previousFault,
        a.previousSeverity,
        Math.round(a.changedAtMs),
        finite(a.value),
      );
      this.counters.written++;
    } catch (err) {
      this.fail(err);
    }
  }

  health(): SinkHealth {
    if (this.problem !== "") return { ok: false, detail: `failing: ${this.problem}` };
    return {
      ok: true,
      detail: `ok: ${this.counters.written} rows written, ${this.counters.dropped} dropped`,
    };
  }

  /** Writes the buffered rows in one transaction. */
  flush(): void {
    if (this.db === null || (this.featureRows.length === 0 && this.predictionRows.length === 0)) return;
    const f = this.featureRows;
    const p = this.predictionRows;
    this.featureRows = [];
    this.predictionRows = [];
    try {
      this.db.transaction(() => {
        for (const r of f) this.stmts.features.run(...r);
        for (const r of p) this.stmts.predictions.run(...r);
      })();
      this.rows.features += f.length;
      this.rows.predictions += p.length;
      this.counters.written += f.length + p.length;
      if (this.rows.features > this.opts.config.maxRows || this.rows.predictions > this.opts.config.maxRows) {
        this.retain(false);
      }
      if (this.problem.startsWith("store write failed")) {
        this.problem = "";
        this.opts.log.info({ path: this.opts.path }, "local history store writes again");
      }
    } catch (err) {
      this.counters.dropped += f.length + p.length;
      this.fail(err);
    }
  }

  /**
   * Deletes what is older than the retention and what is beyond maxRows, in bounded steps so that
   * the event loop never stalls: at most DELETE_CHUNK rows per table per call. Called with every
   * flush (maxRows is then trimmed by about what the flush added) and on the retention timer;
   * `all` (start-up, tests) repeats the steps until nothing is left to delete.
   */
  retain(all = true): void {
    const db = this.db;
    if (db === null) return;
    const c = this.opts.config;
    const cutoff = this.now() - c.retentionDays * DAY_MS;
    try {
      for (;;) {
        let more = false;
        for (const t of ["features", "predictions", "advice"] as const) {
          const n = this.stmts.deleteOlder[t].run(cutoff, DELETE_CHUNK).changes;
          this.deleted(t, n);
          more ||= n === DELETE_CHUNK;
        }
        for (const t of ["features", "predictions"] as const) {
          const over = Math.min(this.rows[t] - c.maxRows, DELETE_CHUNK);
          if (over <= 0) continue;
          const n = this.stmts.deleteOldest[t].run(over).changes;
          this.deleted(t, n);
          more ||= n > 0 && this.rows[t] > c.maxRows;
        }
        if (!all || !more) return;
      }
    } catch (err) {
      this.fail(err);
    }
  }

  private deleted(t: StoreTable, n: number): void {
    if (t !== "advice") this.rows[t] -= n;
    this.counters.deleted += n;
  }

  private room(): boolean {
    if (this.featureRows.length + this.predictionRows.length < (this.opts.maxBufferedRows ?? 100_000))
      return true;
    this.counters.dropped++;
    return false;
  }

  private series(kind: StoreTable, ctx: PointContext, names: readonly string[] = []): number | null {
    if (this.db === null) {
      this.counters.dropped++;
      return null;
    }
    let byCtx = this.seriesIds.get(kind);
    if (byCtx === undefined) {
      byCtx = new WeakMap();
      this.seriesIds.set(kind, byCtx);
    }
    const have = byCtx.get(ctx);
    if (have !== undefined) return have;
    const key = [
      kind,
      ctx.asset.site,
      ctx.asset.asset,
      ctx.profile,
      ctx.model,
      ctx.modelVersion,
      JSON.stringify(names),
    ];
    try {
      this.stmts.addSeries.run(...key);
      const id = (this.stmts.getSeries.get(...key) as { id: number }).id;
      byCtx.set(ctx, id);
      return id;
    } catch (err) {
      this.fail(err);
      return null;
    }
  }

  private fail(err: unknown): void {
    const first = this.problem === "";
    this.problem = `store write failed: ${(err as Error).message}`;
    if (first)
      this.opts.log.error(
        { code: "EA_STORE_IO", err: (err as Error).message },
        "local history store write failed",
      );
  }

  private prepare(db: Database.Database) {
    const series =
      "kind = ? AND site = ? AND asset = ? AND profile = ? AND model = ? AND model_version = ? AND names = ?";
    return {
      addSeries: db.prepare(
        "INSERT OR IGNORE INTO series (kind, site, asset, profile, model, model_version, names) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      getSeries: db.prepare(`SELECT id FROM series WHERE ${series}`),
      features: db.prepare("INSERT INTO features (ts, series, vals) VALUES (?, ?, ?)"),
      predictions: db.prepare(
        "INSERT INTO predictions (ts, series, class, class_index, confidence, value) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      advice: db.prepare(
        `INSERT INTO advice (ts, series, fault, severity, confidence, transition, episode_id, action,
          previous_fault, previous_severity, changed_at_ms, value) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteOlder: byTable(
        (t) => `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE ts < ? LIMIT ?)`,
        ["features", "predictions", "advice"],
      ),
      deleteOldest: byTable(
        (t) => `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} ORDER BY rowid LIMIT ?)`,
        ["features", "predictions"],
      ),
    };
    function byTable<T extends StoreTable>(
      sql: (t: T) => string,
      tables: readonly T[],
    ): Record<T, Database.Statement> {
      return Object.fromEntries(tables.map((t) => [t, db.prepare(sql(t))])) as Record<T, Database.Statement>;
    }
  }
}

function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
