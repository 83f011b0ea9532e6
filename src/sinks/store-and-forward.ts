import type { Logger } from "../ops/logger.js";
import { type BackoffConfig, nextBackoffMs } from "../sources/backoff.js";
import { ReplayPacer } from "./replay-pacer.js";
import { type ForwardCounters, ForwardReport } from "./forward-report.js";
import type { Spool } from "./spool.js";
import { classifyWriteError, type WriteOutcome } from "./write-outcome.js";

/** Sends one line-protocol body; rejects when the server did not take it. */
export interface BatchWriter {
  write(body: string, signal?: AbortSignal): Promise<void>;
}

export type { ForwardCounters } from "./forward-report.js";

/** `ok`: writes go through; `down`: unreachable, retrying; `refused`: the server refuses us (a person must act). */
export type ForwardState = "ok" | "down" | "refused";

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
  /** Its place in the spool's replay order, taken when it was made. */
  readonly ord: number;
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
  private readonly o: StoreAndForwardOptions;
  private readonly spool: Spool | null;
  private readonly now: () => number;
  private readonly pacer: ReplayPacer;
  private readonly report: ForwardReport;
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
    this.report = new ForwardReport(o.log, this.now);
  }

  get counters(): Readonly<ForwardCounters> {
    return this.report.counters;
  }

  /** Telemetry was dropped to keep the spool's bound and it has not had room since. */
  get spoolFull(): boolean {
    return this.report.spoolFull;
  }

  /** Hands over a cut batch; resolves when it is accepted (written, rejected or spooled). */
  submit(lines: string[]): Promise<void> {
    let resolve!: () => void;
    const settled = new Promise<void>((r) => {
      resolve = r;
    });
    this.unsettled.add(settled);
    void settled.then(() => this.unsettled.delete(settled));
    const b: LiveBatch = { lines, ord: this.spool?.reserve() ?? 0, resolve };
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
        this.report.spooled(this.spool.appendSync([line], "advice"), 1, this.spool.stats());
        this.pump();
        return;
      } catch (err) {
        this.report.spoolError(err);
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
      this.report.counters.written += n;
      this.succeeded();
      b.resolve();
    } catch (err) {
      const outcome = classifyWriteError(err);
      if (outcome.kind === "reject") {
        this.report.rejected(outcome, n);
        b.resolve();
      } else {
        this.toSpool(b);
        this.failed(outcome);
      }
    }
  }

  private async sendHead(): Promise<void> {
    const spool = this.spool!;
    this.liveTurn = true;
    const startedAt = this.now();
    try {
      const head = await spool.head();
      if (head === null) return;
      const id = head.id;
      spool.protectedId = id;
      try {
        await this.o.writer.write(head.body, this.stopAc.signal);
      } catch (err) {
        const outcome = classifyWriteError(err);
        if (outcome.kind !== "reject") return this.failed(outcome);
        this.report.rejected(outcome, head.points);
        spool.remove(id);
        return;
      }
      spool.remove(id);
      if (head.kind === "telemetry") this.pacer.sent(head.points, startedAt);
      this.succeeded();
      this.report.replayed(head.points, spool.stats());
    } catch (err) {
      this.report.spoolError(err);
    } finally {
      spool.protectedId = -1;
    }
  }

  private toSpool(b: LiveBatch): void {
    const n = b.lines.length;
    const spool = this.spool;
    if (spool === null || !spool.isOpen) {
      this.report.lost(n, "no spool");
      b.resolve();
      return;
    }
    spool
      .append(b.lines, "telemetry", b.ord)
      .then(
        (r) => this.report.spooled(r, n, spool.stats()),
        (err: unknown) => {
          this.report.lost(n, "spool write failed");
          this.report.spoolError(err);
        },
      )
      .finally(() => {
        b.resolve();
        this.pump();
      });
  }

  private succeeded(): void {
    if (this.state !== "ok" && !this.stopped)
      this.report.back(this.downSinceMs, this.spool?.stats().points ?? 0);
    this.state = "ok";
    this.failures = 0;
    this.lastError = "";
  }

  private failed(outcome: Exclude<WriteOutcome, { kind: "reject" }>): void {
    const now = this.now();
    this.failures++;
    this.lastError = outcome.reason;
    const next: ForwardState = outcome.kind === "refused" ? "refused" : "down";
    const retry = this.o.retry;
    const backoff = nextBackoffMs(this.failures, retry, this.o.random ?? Math.random);
    const delay =
      next === "refused"
        ? retry.maxMs
        : Math.max(backoff, outcome.kind === "retry" ? outcome.retryAfterMs : 0);
    this.retryAtMs = now + delay;
    if (this.state === "ok") this.downSinceMs = now;
    this.report.failed(outcome, next !== this.state && !this.stopped, delay);
    this.state = next;
    for (const b of this.pending.splice(0)) this.toSpool(b);
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
