import type { Logger } from "../ops/logger.js";
import { type BackoffConfig, nextBackoffMs } from "../sources/backoff.js";
import { ReplayPacer } from "./replay-pacer.js";
import type { AppendResult, Spool } from "./spool.js";
import { ThrottledLog } from "./throttled-log.js";
import { classifyWriteError, type WriteOutcome } from "./write-outcome.js";

/** Sends one line-protocol body; rejects when the server did not take it. */
export interface BatchWriter {
  write(body: string, signal?: AbortSignal): Promise<void>;
}

/** `ok`: writes go through; `down`: unreachable, retrying; `refused`: the server refuses us (a person must act). */
export type ForwardState = "ok" | "down" | "refused";

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

export interface StoreAndForwardOptions {
  readonly writer: BatchWriter;
  /** Null when the spool could not be opened: failed batches are then lost (counted). */
  readonly spool: Spool | null;
  readonly log: Logger;
  readonly retry: BackoffConfig;
  readonly replayPointsPerS: number;
  /** Cut batches that wait in memory behind the one in flight; more go to the spool. */
  readonly maxPendingBatches?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface LiveBatch {
  readonly lines: string[];
  readonly resolve: () => void;
}

/**
 * The store-and-forward core: one write in flight at a time; a batch that fails goes to the
 * spool; spooled batches are replayed oldest first (advice before telemetry) at a bounded pace,
 * taking turns with live batches so live data is not starved. A batch counts as accepted when
 * the server took it, the server rejected it as bad, or it is in the spool (committed).
 */
export class StoreAndForward {
  state: ForwardState = "ok";
  lastError = "";
  readonly counters: ForwardCounters = {
    written: 0,
    replayed: 0,
    spooled: 0,
    dropped: 0,
    rejected: 0,
    lost: 0,
    failedWrites: 0,
  };
  spoolFull = false;
  private readonly o: StoreAndForwardOptions;
  private readonly spool: Spool | null;
  private readonly now: () => number;
  private readonly pacer: ReplayPacer;
  private readonly throttle = new ThrottledLog(60_000);
  private readonly pending: LiveBatch[] = [];
  private readonly unsettled = new Set<Promise<void>>();
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private retryAtMs = 0;
  private downSinceMs = 0;
  private liveTurn = true;
  private wake: NodeJS.Timeout | null = null;
  private draining = false;
  private stopped = false;
  private readonly stopAc = new AbortController();

  constructor(o: StoreAndForwardOptions) {
    this.o = o;
    this.spool = o.spool?.isOpen ? o.spool : null;
    this.now = o.now ?? Date.now;
    this.pacer = new ReplayPacer(o.replayPointsPerS);
  }

  /** Hands over a cut batch; resolves when it is accepted (written, rejected or spooled). */
  submit(lines: string[]): Promise<void> {
    let resolve!: () => void;
    const settled = new Promise<void>((r) => {
      resolve = r;
    });
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
    const b: LiveBatch = { lines, resolve };
    // While the server is away a batch goes straight to the spool (without a spool it waits in
    // memory, up to the bound, for the next try).
    const away = this.state !== "ok" && this.spool !== null;
    if (this.stopped || away || this.pending.length >= (this.o.maxPendingBatches ?? 2)) {
      this.toSpool(b);
    } else {
      this.pending.push(b);
      this.pump();
    }
    return settled;
  }

  /** An advice line goes to the spool at once (durable on return) and out with the next turn. */
  submitAdvice(line: string): void {
    if (this.spool !== null) {
      try {
        this.spooled(this.spool.appendSync([line], "advice"), 1);
        this.pump();
        return;
      } catch (err) {
        this.spoolError(err);
      }
    }
    void this.submit([line]);
  }

  /** Resolves when everything submitted so far is accepted. */
  async flush(): Promise<void> {
    await Promise.all([...this.unsettled]);
  }

  /** Sends live batches still in memory until `deadlineMs`, then spools whatever is left. */
  async stop(deadlineMs: number): Promise<void> {
    this.draining = true;
    this.pump();
    const margin = Math.min(1000, Math.max(0, (deadlineMs - this.now()) / 4));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush(),
      new Promise((r) => {
        timer = setTimeout(r, Math.max(0, deadlineMs - this.now() - margin));
      }),
    ]);
    clearTimeout(timer);
    this.stopped = true;
    this.clearWake();
    this.stopAc.abort();
    await this.inFlight;
    for (const b of this.pending.splice(0)) this.toSpool(b);
    await this.flush();
  }

  /** Starts the next write when none is in flight and one is due. */
  pump(): void {
    if (this.stopped || this.inFlight !== null) return;
    this.clearWake();
    const spoolN = this.spool?.batchCount ?? 0;
    if (this.draining) {
      if (this.state !== "ok") for (const b of this.pending.splice(0)) this.toSpool(b);
      else if (this.pending.length > 0) this.begin(this.sendLive(this.pending.shift()!));
      return;
    }
    const now = this.now();
    if (this.state !== "ok") {
      if (now < this.retryAtMs) this.arm(this.retryAtMs - now);
      else if (spoolN > 0) this.begin(this.sendHead());
      else if (this.pending.length > 0) this.begin(this.sendLive(this.pending.shift()!));
      return;
    }
    let replayWait = Number.POSITIVE_INFINITY;
    if (spoolN > 0) replayWait = this.spool!.adviceWaiting > 0 ? 0 : this.pacer.waitMs(now);
    if (this.pending.length > 0 && (this.liveTurn || replayWait > 0))
      this.begin(this.sendLive(this.pending.shift()!));
    else if (replayWait === 0) this.begin(this.sendHead());
    else if (Number.isFinite(replayWait)) this.arm(replayWait);
  }

  private begin(p: Promise<void>): void {
    this.inFlight = p.finally(() => {
      this.inFlight = null;
      this.pump();
    });
  }

  private async sendLive(b: LiveBatch): Promise<void> {
    this.liveTurn = false;
    const n = b.lines.length;
    try {
      await this.o.writer.write(b.lines.join("\n"), this.stopAc.signal);
      this.counters.written += n;
      this.succeeded();
      b.resolve();
    } catch (err) {
      const outcome = classifyWriteError(err);
      if (outcome.kind === "reject") {
        this.rejected(outcome, n);
        b.resolve();
      } else {
        this.failed(outcome);
        this.toSpool(b);
      }
    }
  }

  private async sendHead(): Promise<void> {
    const spool = this.spool!;
    this.liveTurn = true;
    const startedAt = this.now();
    let id = -1;
    try {
      const head = await spool.head();
      if (head === null) return;
      id = head.id;
      spool.protectedId = id;
      try {
        await this.o.writer.write(head.body, this.stopAc.signal);
      } catch (err) {
        const outcome = classifyWriteError(err);
        if (outcome.kind !== "reject") return this.failed(outcome);
        this.rejected(outcome, head.points);
        spool.remove(id);
        return;
      }
      spool.remove(id);
      this.counters.written += head.points;
      this.counters.replayed += head.points;
      if (head.kind === "telemetry") this.pacer.sent(head.points, startedAt);
      this.succeeded();
      this.afterReplay(spool);
    } catch (err) {
      this.spoolError(err);
    } finally {
      spool.protectedId = -1;
    }
  }

  private afterReplay(spool: Spool): void {
    const s = spool.stats();
    if (this.spoolFull && s.usedBytes < 0.9 * s.maxBytes) {
      this.spoolFull = false;
      this.throttle.clear("spool-full");
      this.o.log.info({ droppedPoints: s.droppedPoints }, "spool has room again");
    }
    if (s.batches === 0) {
      this.o.log.info({ replayed: this.counters.replayed }, "spool replayed: everything spooled is written");
    }
  }

  private toSpool(b: LiveBatch): void {
    const n = b.lines.length;
    if (this.spool === null || !this.spool.isOpen) {
      this.counters.lost += n;
      this.logLost(n, "no spool");
      b.resolve();
      return;
    }
    this.spool
      .append(b.lines, "telemetry")
      .then(
        (r) => this.spooled(r, n),
        (err: unknown) => {
          this.counters.lost += n;
          this.spoolError(err);
        },
      )
      .finally(() => {
        b.resolve();
        this.pump();
      });
  }

  private spooled(r: AppendResult, n: number): void {
    if (!r.refused) this.counters.spooled += n;
    if (r.droppedPoints === 0) return;
    this.counters.dropped += r.droppedPoints;
    const now = this.now();
    if (!this.spoolFull) {
      this.spoolFull = true;
      this.throttle.clear("spool-full");
    }
    const h = this.throttle.hit("spool-full", now);
    if (h === null) return;
    this.o.log.error(
      {
        code: "EA_SPOOL_FULL",
        maxMB: Math.round(this.spool!.stats().maxBytes / 1048576),
        dropped: this.counters.dropped,
      },
      "spool full: dropping the oldest telemetry (advice is kept)",
    );
  }

  private succeeded(): void {
    if (this.state !== "ok" && !this.stopped) {
      this.o.log.info(
        { downForMs: this.now() - this.downSinceMs, spooledPoints: this.spool?.stats().points ?? 0 },
        "InfluxDB takes writes again: replaying the spool",
      );
    }
    this.state = "ok";
    this.failures = 0;
    this.lastError = "";
  }

  private failed(outcome: Exclude<WriteOutcome, { kind: "reject" }>): void {
    const now = this.now();
    this.counters.failedWrites++;
    this.failures++;
    this.lastError = outcome.reason;
    const next: ForwardState = outcome.kind === "refused" ? "refused" : "down";
    const retry = this.o.retry;
    const delay =
      next === "refused"
        ? retry.maxMs
        : Math.max(
            nextBackoffMs(this.failures, retry, this.o.random ?? Math.random),
            outcome.kind === "retry" ? outcome.retryAfterMs : 0,
          );
    this.retryAtMs = now + delay;
    if (next !== this.state && !this.stopped) {
      if (this.state === "ok") this.downSinceMs = now;
      if (next === "refused") {
        this.o.log.error(
          { code: "EA_INFLUX_REFUSED", status: outcome.status, err: outcome.reason },
          "InfluxDB refuses our writes: check the token, org and bucket; spooling meanwhile",
        );
      } else {
        this.o.log.warn(
          { code: "EA_INFLUX_UNREACHABLE", err: outcome.reason, retryInMs: delay },
          "InfluxDB write failed: spooling, retrying in the background",
        );
      }
    }
    this.state = next;
    for (const b of this.pending.splice(0)) this.toSpool(b);
  }

  private rejected(outcome: WriteOutcome, n: number): void {
    this.counters.rejected += n;
    const h = this.throttle.hit(`reject-${outcome.status}`, this.now());
    if (h === null) return;
    this.o.log.error(
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

  private spoolError(err: unknown): void {
    const h = this.throttle.hit("spool-io", this.now());
    if (h !== null) {
      this.o.log.error(
        { code: "EA_SPOOL_IO", err: (err as Error).message, notLogged: h.suppressed },
        "spool write failed",
      );
    }
  }

  private logLost(n: number, why: string): void {
    const h = this.throttle.hit("lost", this.now());
    if (h !== null)
      this.o.log.error(
        { code: "EA_SPOOL_IO", points: n, lost: this.counters.lost, why },
        "points lost: cannot spool",
      );
  }

  private arm(ms: number): void {
    this.wake = setTimeout(() => {
      this.wake = null;
      this.pump();
    }, ms);
    this.wake.unref();
  }

  private clearWake(): void {
    if (this.wake !== null) clearTimeout(this.wake);
    this.wake = null;
  }
}
