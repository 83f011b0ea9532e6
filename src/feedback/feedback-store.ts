import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { RobustBaseline } from "../baseline/robust-baseline.js";
import type { Advice } from "../types.js";
import type { FeedbackMessage, Verdict } from "./feedback-message.js";

/**
 * The loop's durable state, one SQLite file (WAL, synchronous=FULL): advice episodes with the
 * feature vectors that raised them and the raw captures taken around them, technicians'
 * verdicts, and the assets' learned baselines. Written on advice changes and feedback (rare),
 * never per window.
 */

/** What is known about an episode besides its advice (profile, features, machine parameters). */
export interface EpisodeContext {
  readonly profile: string;
  readonly normalClass: string;
  readonly featureNames: readonly string[];
  /** Model parameters the features used (shaft speed, defect orders): needed to train on raw windows. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly windowing: string;
  readonly sampleRateHz: number;
}

export interface Evidence {
  readonly tsMs: readonly number[];
  /** tsMs.length rows × featureNames.length, row-major. */
  readonly rows: Float32Array;
}

export interface FeedbackResult {
  readonly ok: boolean;
  readonly episodeId: string;
  readonly error?: string;
  /** The episode's asset and model, when found. */
  readonly site?: string;
  readonly asset?: string;
  readonly model?: string;
}

export interface PrecisionRow {
  readonly model: string;
  readonly site: string;
  readonly asset: string;
  readonly confirmed: number;
  readonly falseAlarm: number;
  /** confirmed / (confirmed + falseAlarm); `fixed` counts as confirmed; null without verdicts. */
  readonly precision: number | null;
}

export interface LabelledEpisode {
  readonly episodeId: string;
  readonly site: string;
  readonly asset: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly fault: string;
  readonly verdict: Verdict;
  readonly faultCode: string | null;
  /** The training label: the fault code (or the advised fault) when confirmed/fixed, the normal class for a false alarm. */
  readonly label: string;
  readonly openedAtMs: number;
  readonly feedbackAtMs: number;
  readonly context: EpisodeContext;
  readonly evidence: Evidence;
  readonly captures: readonly { readonly transition: string; readonly path: string }[];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS episodes (
  episode_id TEXT PRIMARY KEY, site TEXT NOT NULL, asset TEXT NOT NULL, model TEXT NOT NULL,
  model_version TEXT NOT NULL, fault TEXT NOT NULL, severity TEXT NOT NULL, opened_at INTEGER NOT NULL,
  window_ts REAL NOT NULL, updated_at INTEGER NOT NULL, closed_at INTEGER, context TEXT NOT NULL,
  evidence_ts TEXT NOT NULL, evidence BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS advice_events (
  id INTEGER PRIMARY KEY, episode_id TEXT NOT NULL, transition TEXT NOT NULL, fault TEXT NOT NULL,
  severity TEXT NOT NULL, confidence REAL NOT NULL, window_ts REAL NOT NULL, changed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS captures (
  id INTEGER PRIMARY KEY, episode_id TEXT NOT NULL, transition TEXT NOT NULL, path TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY, episode_id TEXT NOT NULL, verdict TEXT NOT NULL, fault_code TEXT,
  by_whom TEXT, note TEXT, source TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS feedback_episode ON feedback (episode_id, id);
CREATE TABLE IF NOT EXISTS baselines (
  asset_key TEXT PRIMARY KEY, features TEXT NOT NULL, median BLOB NOT NULL, scale BLOB NOT NULL,
  rows INTEGER NOT NULL, fitted_at INTEGER NOT NULL);
`;

const f32 = (b: Buffer) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const f64 = (b: Buffer) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const blob = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

export class FeedbackStore {
  readonly path: string;
  private db: Database.Database | null = null;

  constructor(path: string) {
    this.path = path;
  }

  open(): void {
    if (this.db !== null) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(SCHEMA);
    this.db = db;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private get d(): Database.Database {
    if (this.db === null) throw new Error(`EA_INTERNAL: feedback store ${this.path} is not open`);
    return this.db;
  }

  /** Records an advice change: a raise opens the episode with its evidence, later changes update it. */
  recordAdvice(a: Advice, ctx: EpisodeContext, evidence: Evidence): void {
    const d = this.d;
    d.transaction(() => {
      if (a.transition === "raise") {
        d.prepare(`INSERT OR REPLACE INTO episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)`).run(
          a.episodeId,
          a.site,
          a.asset,
          a.model,
          a.modelVersion,
          a.fault,
          a.severity,
          a.changedAtMs,
          a.windowTsMs,
          a.changedAtMs,
          JSON.stringify(ctx),
          JSON.stringify(evidence.tsMs),
          blob(evidence.rows),
        );
      } else if (a.transition === "recover") {
        d.prepare("UPDATE episodes SET closed_at = ?, updated_at = ? WHERE episode_id = ?").run(
          a.changedAtMs,
          a.changedAtMs,
          a.episodeId,
        );
      } else {
        d.prepare("UPDATE episodes SET fault = ?, severity = ?, updated_at = ? WHERE episode_id = ?").run(
          a.fault,
          a.severity,
          a.changedAtMs,
          a.episodeId,
        );
      }
      d.prepare("INSERT INTO advice_events VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)").run(
        a.episodeId,
        a.transition,
        a.fault,
        a.severity,
        a.confidence,
        a.windowTsMs,
        a.changedAtMs,
      );
    })();
  }

  recordCapture(episodeId: string, transition: string, path: string, nowMs: number): void {
    this.d.prepare("INSERT INTO captures VALUES (NULL, ?, ?, ?, ?)").run(episodeId, transition, path, nowMs);
  }

  /** Stores a verdict for a known episode; an unknown episode is refused (ok: false). */
  addFeedback(m: FeedbackMessage, source: "mqtt" | "http", nowMs: number): FeedbackResult {
    const d = this.d;
    const ep = d.prepare("SELECT site, asset, model FROM episodes WHERE episode_id = ?").get(m.episodeId) as
      | { site: string; asset: string; model: string }
      | undefined;
    if (ep === undefined)
      return { ok: false, episodeId: m.episodeId, error: `unknown episode "${m.episodeId}"` };
    d.prepare("INSERT INTO feedback VALUES (NULL, ?, ?, ?, ?, ?, ?, ?)").run(
      m.episodeId,
      m.verdict,
      m.faultCode ?? null,
      m.by ?? null,
      m.note ?? null,
      source,
      nowMs,
    );
    return { ok: true, episodeId: m.episodeId, site: ep.site, asset: ep.asset, model: ep.model };
  }

  /** Precision per model and asset from each episode's latest verdict. */
  precision(): PrecisionRow[] {
    const rows = this.d
      .prepare(
        `SELECT e.model, e.site, e.asset,
           SUM(CASE WHEN f.verdict IN ('confirmed', 'fixed') THEN 1 ELSE 0 END) AS confirmed,
           SUM(CASE WHEN f.verdict = 'false_alarm' THEN 1 ELSE 0 END) AS false_alarm
         FROM episodes e JOIN feedback f ON f.id = (SELECT MAX(id) FROM feedback WHERE episode_id = e.episode_id)
         GROUP BY e.model, e.site, e.asset ORDER BY e.model, e.site, e.asset`,
      )
      .all() as { model: string; site: string; asset: string; confirmed: number; false_alarm: number }[];
    return rows.map((r) => ({
      model: r.model,
      site: r.site,
      asset: r.asset,
      confirmed: r.confirmed,
      falseAlarm: r.false_alarm,
      precision: r.confirmed + r.false_alarm > 0 ? r.confirmed / (r.confirmed + r.false_alarm) : null,
    }));
  }

  /** Episodes with a verdict given at or after `sinceMs`, each with its latest verdict, evidence and captures. */
  labelledEpisodes(sinceMs: number): LabelledEpisode[] {
    const d = this.d;
    const rows = d
      .prepare(
        `SELECT e.*, f.verdict, f.fault_code, f.received_at FROM episodes e
         JOIN feedback f ON f.id = (SELECT MAX(id) FROM feedback WHERE episode_id = e.episode_id)
         WHERE f.received_at >= ? ORDER BY e.opened_at`,
      )
      .all(sinceMs) as Record<string, unknown>[];
    const caps = d.prepare("SELECT transition, path FROM captures WHERE episode_id = ? ORDER BY id");
    return rows.map((r) => {
      const context = JSON.parse(r.context as string) as EpisodeContext;
      const verdict = r.verdict as Verdict;
      const faultCode = (r.fault_code as string | null) ?? null;
      const fault = r.fault as string;
      return {
        episodeId: r.episode_id as string,
        site: r.site as string,
        asset: r.asset as string,
        model: r.model as string,
        modelVersion: r.model_version as string,
        fault,
        verdict,
        faultCode,
        label: verdict === "false_alarm" ? context.normalClass : (faultCode ?? fault),
        openedAtMs: r.opened_at as number,
        feedbackAtMs: r.received_at as number,
        context,
        evidence: { tsMs: JSON.parse(r.evidence_ts as string) as number[], rows: f32(r.evidence as Buffer) },
        captures: caps.all(r.episode_id) as { transition: string; path: string }[],
      };
    });
  }

  saveBaseline(assetKey: string, b: RobustBaseline): void {
    this.d
      .prepare("INSERT OR REPLACE INTO baselines VALUES (?, ?, ?, ?, ?, ?)")
      .run(assetKey, JSON.stringify(b.features), blob(b.median), blob(b.scale), b.rows, b.fittedAtMs);
  }

  loadBaseline(assetKey: string): RobustBaseline | null {
    const r = this.d.prepare("SELECT * FROM baselines WHERE asset_key = ?").get(assetKey) as
      | { features: string; median: Buffer; scale: Buffer; rows: number; fitted_at: number }
      | undefined;
    if (r === undefined) return null;
    return {
      features: JSON.parse(r.features) as string[],
      median: f64(r.median),
      scale: f64(r.scale),
      rows: r.rows,
      fittedAtMs: r.fitted_at,
    };
  }

  deleteBaseline(assetKey: string): void {
    this.d.prepare("DELETE FROM baselines WHERE asset_key = ?").run(assetKey);
  }
}
