import { instantMs, type MaintenanceWindowConfig, type RunningConfig } from "../config/quality-schema.js";
import type { Window } from "../types.js";

/**
 * Operating-state gating of one asset: whether its windows may move its advice. Outside the
 * running state (the profile's `running:` rule says stopped) and during maintenance (a fleet
 * schedule or a retained MQTT message) no window reaches the model, the baseline or the drift
 * monitor, so no advice changes and no action fires; the reason is kept for status and health.
 *
 * Pure: time comes in as arguments. `admit` is called per window and allocates nothing unless
 * the state changes.
 */

export type OperatingState = "running" | "stopped" | "maintenance" | "unknown";

export interface OperatingStatus {
  readonly state: OperatingState;
  readonly reason: string;
  readonly sinceMs: number;
}

/** What `<prefix>/<site>/<asset>/maintenance` carries (retained). */
export interface MaintenanceMessage {
  readonly active: boolean;
  /** ms since the epoch; absent: until a message says `active: false`. */
  readonly untilMs?: number | undefined;
  readonly note?: string | undefined;
  readonly by?: string | undefined;
}

interface ScheduledWindow {
  readonly fromMs: number;
  readonly untilMs: number;
  readonly note: string;
}

export class OperatingGate {
  readonly counts = { admitted: 0, stopped: 0, maintenance: 0, noRunningChannel: 0 };
  private readonly running: RunningConfig | undefined;
  private readonly assetKey: string;
  private schedule: readonly ScheduledWindow[] = [];
  private message: MaintenanceMessage | null = null;
  private inMaintenance = false;
  private maintenanceReason = "";
  private isRunning = true;
  /** Whether a window has told the running state yet. */
  private known = false;
  private _status: OperatingStatus;
  private listener: ((s: OperatingStatus) => void) | null = null;

  constructor(
    assetKey: string,
    running: RunningConfig | undefined,
    schedule: readonly MaintenanceWindowConfig[],
  ) {
    this.running = running;
    this.assetKey = assetKey;
    this.setSchedule(schedule, Number.NaN);
    this._status = {
      state: running === undefined ? "running" : "unknown",
      reason: running === undefined ? "no running rule: always running" : "no window yet",
      sinceMs: Number.NaN,
    };
  }

  get status(): OperatingStatus {
    return this._status;
  }

  /** Called with the new status on every change. */
  onChange(listener: (s: OperatingStatus) => void): void {
    this.listener = listener;
  }

  /** Whether the window may reach the model and the advice; updates the running state. */
  admit(w: Window, nowMs: number): boolean {
    const r = this.running;
    if (r !== undefined) {
      const x = w.channels[r.channel];
      if (x === undefined || x.length === 0) {
        // Fail open: a missing running channel must not hide a fault.
        this.counts.noRunningChannel++;
      } else {
        const v = statistic(x, r.statistic);
        const run = v > (this.isRunning && this.known ? (r.stopBelow ?? r.above) : r.above);
        if (run !== this.isRunning || !this.known) {
          this.isRunning = run;
          this.known = true;
          if (!this.inMaintenance) this.update(nowMs, v);
        }
      }
    }
    if (this.inMaintenance) {
      this.counts.maintenance++;
      return false;
    }
    if (!this.isRunning) {
      this.counts.stopped++;
      return false;
    }
    this.counts.admitted++;
    return true;
  }

  /** The fleet's maintenance windows (those naming this asset or its site are kept). */
  setSchedule(schedule: readonly MaintenanceWindowConfig[], nowMs: number): void {
    const site = this.assetKey.split("/")[0];
    this.schedule = schedule
      .filter((m) => m.assets.some((a) => a === this.assetKey || a === `${site}/*`))
      .map((m) => ({ fromMs: instantMs(m.from), untilMs: instantMs(m.until), note: m.note }));
    if (!Number.isNaN(nowMs)) this.tick(nowMs);
  }

  /** A maintenance message for this asset arrived (or was cleared). */
  setMaintenance(m: MaintenanceMessage | null, nowMs: number): void {
    this.message = m;
    this.tick(nowMs);
  }

  /** Re-evaluates the maintenance windows (call about once a second). */
  tick(nowMs: number): void {
    let reason = "";
    const m = this.message;
    if (m?.active && (m.untilMs === undefined || nowMs < m.untilMs)) {
      const until = m.untilMs === undefined ? "further notice" : new Date(m.untilMs).toISOString();
      reason = `maintenance until ${until}${m.by ? ` (${m.by})` : ""}${m.note ? `: ${m.note}` : ""}`;
    } else {
      for (const s of this.schedule) {
        if (nowMs >= s.fromMs && nowMs < s.untilMs) {
          reason = `scheduled maintenance until ${new Date(s.untilMs).toISOString()}${s.note ? `: ${s.note}` : ""}`;
          break;
        }
      }
    }
    const active = reason !== "";
    if (active === this.inMaintenance && reason === this.maintenanceReason) return;
    this.inMaintenance = active;
    this.maintenanceReason = reason;
    this.update(nowMs, Number.NaN);
  }

  private update(nowMs: number, value: number): void {
    const r = this.running;
    let next: OperatingStatus;
    if (this.inMaintenance) next = { state: "maintenance", reason: this.maintenanceReason, sinceMs: nowMs };
    else if (r === undefined)
      next = { state: "running", reason: "no running rule: always running", sinceMs: nowMs };
    else if (!this.known) next = { state: "unknown", reason: "no window yet", sinceMs: nowMs };
    else {
      const shown = Number.isNaN(value) ? "" : `${r.channel} ${r.statistic} ${round(value)} `;
      next = this.isRunning
        ? { state: "running", reason: `${shown}> ${r.above}`.trim(), sinceMs: nowMs }
        : { state: "stopped", reason: `${shown}≤ ${r.stopBelow ?? r.above}`.trim(), sinceMs: nowMs };
    }
    if (next.state === this._status.state && next.reason === this._status.reason) return;
    this._status = next;
    this.listener?.(next);
  }
}

function round(v: number): number {
  return Number(v.toPrecision(4));
}

/** The running rule's statistic of a channel's samples (non-empty). */
export function statistic(x: Float32Array, s: RunningConfig["statistic"]): number {
  const n = x.length;
  let sum = 0;
  let sq = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    sum += v;
    sq += v * v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  switch (s) {
    case "mean":
      return sum / n;
    case "rms":
      return Math.sqrt(sq / n);
    case "max":
      return hi;
    case "min":
      return lo;
    case "std":
      return Math.sqrt(Math.max(0, sq / n - (sum / n) ** 2));
  }
}

/** Reads a maintenance message (`{"active": true, "until": ISO | ms, "note", "by"}`); a string says what is wrong. */
export function parseMaintenance(payload: Buffer | string): MaintenanceMessage | null | string {
  const text = payload.toString().trim();
  if (text === "") return null; // a cleared retained message
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (o === null || typeof o !== "object") return "expected an object";
  const m = o as Record<string, unknown>;
  if (typeof m.active !== "boolean") return '"active" must be true or false';
  let untilMs: number | undefined;
  if (m.until !== undefined && m.until !== null) {
    untilMs =
      typeof m.until === "number" ? m.until : typeof m.until === "string" ? Date.parse(m.until) : Number.NaN;
    if (!Number.isFinite(untilMs)) return '"until" must be ms since the epoch or an ISO 8601 time';
  }
  const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 200) : undefined);
  return { active: m.active, untilMs, note: str(m.note), by: str(m.by) };
}
