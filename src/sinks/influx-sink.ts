import type { InfluxConfig } from "../config/sinks-schema.js";
import type { Logger } from "../ops/logger.js";
import type { Advice, Prediction } from "../types.js";
import { InfluxWriter } from "./influx-writer.js";
import { LineBatch } from "./line-batch.js";
import { Spool } from "./spool.js";
import { type BatchWriter, type ForwardCounters, StoreAndForward } from "./store-and-forward.js";
import { TelemetryLines } from "./telemetry-lines.js";
import type { PointContext, SinkHealth, TelemetrySink } from "./telemetry-sink.js";

export interface InfluxSinkOptions {
  readonly config: InfluxConfig;
  /** Absolute path of the spool file. */
  readonly spoolPath: string;
  readonly token?: string;
  /** PEM text of the CA for https. */
  readonly ca?: string;
  readonly agentId: string;
  readonly log: Logger;
  /** Extra numbers for the `edge_agent` measurement (the agent's counters). */
  readonly agentMetrics?: () => Readonly<Record<string, number>>;
  /** Tests: another writer than HTTP. */
  readonly writer?: BatchWriter;
  /** zlib level of spooled batches (default 6). */
  readonly spoolLevel?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** `ok`: written; `spooling`: data safe in the spool (server away, or replaying); `failing`: a person is needed. */
export type InfluxSinkState = "ok" | "spooling" | "failing";

export interface InfluxSinkStatus extends ForwardCounters {
  readonly state: InfluxSinkState;
  readonly detail: string;
  readonly spooledPoints: number;
  readonly spoolBytes: number;
  readonly oldestSpooledAgeS: number | null;
  /** Points dropped from the spool since its file was created (all runs). */
  readonly spoolDroppedTotal: number;
}

/**
 * Writes features, predictions, advice changes and the agent's own metrics to InfluxDB (v2 write
 * API, millisecond precision). Points are batched by count, bytes and time; a batch that cannot
 * be written goes to the durable spool and is replayed when the server is back. Advice lines go
 * to the spool at once, so an advice change is durable as soon as `advice()` returns.
 */
export class InfluxSink implements TelemetrySink {
  readonly name = "influx";
  private readonly opts: InfluxSinkOptions;
  private readonly now: () => number;
  private readonly lines = new TelemetryLines();
  private batch: LineBatch | null = null;
  private spool: Spool | null = null;
  private spoolProblem = "";
  private fwd: StoreAndForward | null = null;
  private timers: NodeJS.Timeout[] = [];
  private skipped = 0;

  constructor(opts: InfluxSinkOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    const log = this.opts.log;
    const spool = new Spool({
      path: this.opts.spoolPath,
      maxBytes: c.spoolMaxMB * 1048576,
      level: this.opts.spoolLevel,
      now: this.now,
    });
    try {
      spool.open();
      this.spool = spool;
    } catch (err) {
      this.spoolProblem = (err as Error).message;
      log.error(
        { code: "EA_SPOOL_IO", err: this.spoolProblem },
        "no spool: points that cannot be written will be lost",
      );
    }
    const writer =
      this.opts.writer ??
      new InfluxWriter({
        url: c.url,
        org: c.org,
        bucket: c.bucket,
        token: this.opts.token,
        timeoutMs: c.timeoutMs,
        gzipThresholdBytes: c.gzipThresholdBytes,
        ca: this.opts.ca,
        rejectUnauthorized: c.tls?.rejectUnauthorized,
      });
    this.fwd = new StoreAndForward({
      writer,
      spool: this.spool,
      log,
      retry: c.retry,
      replayPointsPerS: c.replayPointsPerS,
      now: this.now,
      random: this.opts.random,
    });
    this.batch = new LineBatch(c.batchPoints, c.batchBytes);
    const held = this.spool?.stats();
    log.info(
      { url: c.url, bucket: c.bucket, spool: this.opts.spoolPath, spooledPoints: held?.points ?? 0 },
      held !== undefined && held.points > 0
        ? "InfluxDB sink started; replaying the spool"
        : "InfluxDB sink started",
    );
    const tick = Math.max(10, Math.floor(c.flushIntervalMs / 4));
    this.timers.push(
      setInterval(() => {
        if (this.batch?.due(this.now(), c.flushIntervalMs)) this.cut();
      }, tick),
    );
    if (c.metricsIntervalS > 0)
      this.timers.push(setInterval(() => this.writeMetrics(), c.metricsIntervalS * 1000));
    for (const t of this.timers) t.unref();
    this.fwd.pump();
  }

  async stop(timeoutMs: number): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const fwd = this.fwd;
    if (fwd === null) return;
    this.cut();
    await fwd.stop(this.now() + timeoutMs);
    this.fwd = null;
    const s = this.status(fwd);
    this.opts.log.info(
      {
        written: s.written,
        replayed: s.replayed,
        spooledPoints: s.spooledPoints,
        dropped: s.dropped,
        rejected: s.rejected,
      },
      "InfluxDB sink stopped",
    );
    this.spool?.close();
    this.spool = null;
  }

  features(ctx: PointContext, tsMs: number, names: readonly string[], values: Float32Array): void {
    this.add(this.lines.features(ctx, tsMs, names, values));
  }

  prediction(ctx: PointContext, p: Prediction): void {
    this.add(this.lines.prediction(ctx, p));
  }

  advice(ctx: PointContext, a: Advice): void {
    const line = this.lines.advice(ctx, a);
    if (line === null || this.fwd === null) return;
    this.fwd.submitAdvice(line);
  }

  /** Cuts the current batch; resolves when every point given so far is written, rejected or spooled. */
  async flush(): Promise<void> {
    this.cut();
    await this.fwd?.flush();
  }

  health(): SinkHealth {
    const s = this.status();
    return { ok: s.state !== "failing", detail: `${s.state}: ${s.detail}` };
  }

  /** The spool's figures for /metrics (`edge_agent_spool_*` gauges, see src/ops/ops-view.ts). */
  opsStats(): { spoolBytes: number; spoolPoints: number; spoolOldestAgeS: number } {
    const s = this.status();
    return {
      spoolBytes: s.spoolBytes,
      spoolPoints: s.spooledPoints,
      spoolOldestAgeS: s.oldestSpooledAgeS ?? 0,
    };
  }

  status(fwd: StoreAndForward | null = this.fwd): InfluxSinkStatus {
    const sp = this.spool?.isOpen ? this.spool.stats() : null;
    const c = fwd?.counters ?? {
      written: 0,
      replayed: 0,
      spooled: 0,
      dropped: 0,
      rejected: 0,
      lost: 0,
      failedWrites: 0,
    };
    const points = sp?.points ?? 0;
    const age = sp?.oldestSpooledAtMs != null ? Math.round((this.now() - sp.oldestSpooledAtMs) / 1000) : null;
    const held = `${points} points spooled${age !== null ? `, oldest ${age} s` : ""}`;
    let state: InfluxSinkState = "ok";
    let detail = `${c.written} points written`;
    if (this.spoolProblem !== "") {
      state = "failing";
      detail = `spool unusable (EA_SPOOL_IO): ${this.spoolProblem}`;
    } else if (fwd?.state === "refused") {
      state = "failing";
      detail = `server refuses writes (EA_INFLUX_REFUSED, ${fwd.lastError}); ${held}`;
    } else if (fwd?.spoolFull) {
      state = "failing";
      detail = `spool full (EA_SPOOL_FULL): ${c.dropped} points dropped; ${held}`;
    } else if (fwd?.state === "down") {
      state = "spooling";
      detail = `server unreachable (${fwd.lastError}); ${held}`;
    } else if (points > 0) {
      state = "spooling";
      detail = `replaying; ${held}`;
    }
    return {
      ...c,
      state,
      detail,
      spooledPoints: points,
      spoolBytes: sp?.usedBytes ?? 0,
      oldestSpooledAgeS: age,
      spoolDroppedTotal: sp?.droppedPoints ?? 0,
    };
  }

  private add(line: string | null): void {
    if (line === null) {
      this.skipped++;
      return;
    }
    if (this.batch?.add(line, this.now())) this.cut();
  }

  private cut(): void {
    if (this.batch === null || this.batch.size === 0 || this.fwd === null) return;
    void this.fwd.submit(this.batch.take());
  }

  private writeMetrics(): void {
    const s = this.status();
    const values: Record<string, number> = {
      influx_written: s.written,
      influx_replayed: s.replayed,
      influx_spooled: s.spooled,
      influx_dropped: s.dropped,
      influx_rejected: s.rejected,
      influx_lost: s.lost,
      influx_failed_writes: s.failedWrites,
      influx_skipped: this.skipped,
      spool_points: s.spooledPoints,
      spool_bytes: s.spoolBytes,
      spool_oldest_age_s: s.oldestSpooledAgeS ?? 0,
      sink_state: s.state === "ok" ? 0 : s.state === "spooling" ? 1 : 2,
      ...this.opts.agentMetrics?.(),
    };
    this.add(this.lines.agent(this.opts.agentId, this.now(), values));
  }
}
