import type { Logger } from "../ops/logger.js";
import type { AppendResult, SpoolStats } from "./spool.js";
import { ThrottledLog } from "./throttled-log.js";
import type { WriteOutcome } from "./write-outcome.js";

export interface ForwardCounters {
  /** Points the server took (live and replayed). */
  written: number;
  /** Points taken from the spool and written. */
  replayed: number;
  /** Points put in the spool. */
  spooled: number;
  /** Points dropped to keep the spool within its bound (this run). */
  dropped: number;
  /** Points in batches the server refused as bad (400, 413, 422). */
  rejected: number;
  /** Points neither written nor spooled because the spool could not be used. */
  lost: number;
  failedWrites: number;
}

/**
 * The counters of store-and-forward and its log lines: one line per change of state, and for
 * repeating conditions (rejected batches, a full spool, spool errors) the first occurrence and
 * then at most one line a minute with how many were not logged.
 */
export class ForwardReport {
  readonly counters: ForwardCounters = {
    written: 0,
    replayed: 0,
    spooled: 0,
    dropped: 0,
    rejected: 0,
    lost: 0,
    failedWrites: 0,
  };
  /** Telemetry was dropped to keep the bound, and the spool has not had room again since. */
  spoolFull = false;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly throttle = new ThrottledLog(60_000);

  constructor(log: Logger, now: () => number) {
    this.log = log;
    this.now = now;
  }

  spooled(r: AppendResult, n: number, s: SpoolStats): void {
    if (!r.refused) this.counters.spooled += n;
    if (r.droppedPoints === 0) return;
    this.counters.dropped += r.droppedPoints;
    if (!this.spoolFull) {
      this.spoolFull = true;
      this.throttle.clear("spool-full");
    }
    const h = this.throttle.hit("spool-full", this.now());
    if (h === null) return;
    this.log.error(
      {
        code: "EA_SPOOL_FULL",
        maxMB: Math.round(s.maxBytes / 1048576),
        dropped: this.counters.dropped,
        droppedTotal: s.droppedPoints,
      },
      "spool full: dropping the oldest telemetry (advice is kept)",
    );
  }

  replayed(points: number, s: SpoolStats): void {
    this.counters.written += points;
    this.counters.replayed += points;
    if (this.spoolFull && s.usedBytes < 0.9 * s.maxBytes) {
      this.spoolFull = false;
      this.log.info({ droppedTotal: s.droppedPoints }, "spool has room again");
    }
    if (s.batches === 0)
      this.log.info({ replayed: this.counters.replayed }, "spool replayed: everything spooled is written");
  }

  /** The server takes writes again after being `down` or `refused` since `sinceMs`. */
  back(sinceMs: number, spooledPoints: number): void {
    this.log.info(
      { downForMs: this.now() - sinceMs, spooledPoints },
      "InfluxDB takes writes again: replaying the spool",
    );
  }

  /** A write failed; `changed` when the state changed with it (only then is it logged). */
  failed(outcome: Exclude<WriteOutcome, { kind: "reject" }>, changed: boolean, retryInMs: number): void {
    this.counters.failedWrites++;
    if (!changed) return;
    if (outcome.kind === "refused") {
      this.log.error(
        { code: "EA_INFLUX_REFUSED", status: outcome.status, err: outcome.reason },
        "InfluxDB refuses our writes: check the token, org and bucket; spooling meanwhile",
      );
    } else {
      this.log.warn(
        { code: "EA_INFLUX_UNREACHABLE", err: outcome.reason, retryInMs },
        "InfluxDB write failed: spooling, retrying in the background",
      );
    }
  }

  rejected(outcome: WriteOutcome, n: number): void {
    this.counters.rejected += n;
    const h = this.throttle.hit(`reject-${outcome.status}`, this.now());
    if (h === null) return;
    this.log.error(
      {
        code: "EA_INFLUX_REJECTED",
        err: outcome.reason,
        points: n,
        rejected: this.counters.rejected,
        notLogged: h.suppressed,
      },
      "InfluxDB rejected a batch as bad data: its points are dropped, not retried",
    );
  }

  spoolError(err: unknown): void {
    const h = this.throttle.hit("spool-io", this.now());
    if (h === null) return;
    this.log.error(
      { code: "EA_SPOOL_IO", err: (err as Error).message, notLogged: h.suppressed },
      "spool write failed",
    );
  }

  lost(n: number, why: string): void {
    this.counters.lost += n;
    const h = this.throttle.hit("lost", this.now());
    if (h === null) return;
    this.log.error(
      { code: "EA_SPOOL_IO", points: n, lost: this.counters.lost, why },
      "points lost: cannot spool",
    );
  }
}
