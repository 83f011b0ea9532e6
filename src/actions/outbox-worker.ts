import type { Logger } from "pino";
import type { JobKind } from "./action-jobs.js";
import type { JobRow } from "./outbox-schema.js";
import type { OutboxStore } from "./outbox-store.js";

/** Works on one due job; settles the job's state in the store before it resolves. */
export interface JobHandler {
  run(job: JobRow, signal: AbortSignal): Promise<void>;
}

export interface OutboxWorkerOptions {
  readonly store: OutboxStore;
  readonly handlers: Readonly<Record<JobKind, JobHandler>>;
  /** Deliveries in flight at once. */
  readonly concurrency: number;
  readonly log: Logger;
  readonly now: () => number;
  /** Called at every tick before jobs are picked (expiry, deadlines, pruning). */
  readonly onTick?: (nowMs: number) => void;
  /** Longest sleep between ticks, so deadlines are seen even without other wake-ups. */
  readonly pollMs?: number;
}

/**
 * Delivers the outbox: at each tick it picks due jobs (the head of each lane: a ticket's jobs
 * go one at a time, in order) up to the concurrency, hands them to their handler, and sleeps
 * until the next due time, a wake-up, or `pollMs`. Stop waits for deliveries in flight, then
 * aborts what is left within its bound.
 */
export class OutboxWorker {
  private readonly opts: OutboxWorkerOptions;
  private readonly inflight = new Map<number, Promise<void>>();
  private abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Infinity;
  private running = false;
  readonly stats = { ticks: 0, started: 0, handlerErrors: 0 };

  constructor(opts: OutboxWorkerOptions) {
    this.opts = opts;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.wake();
  }

  /** Deliveries in flight now. */
  get busy(): number {
    return this.inflight.size;
  }

  /** Look at the outbox again soon (a job was written, a confirmation arrived). */
  wake(delayMs = 0): void {
    if (!this.running) return;
    const at = Date.now() + delayMs;
    if (this.timer !== null && this.timerAtMs <= at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAtMs = at;
    this.timer = setTimeout(() => this.tick(), Math.max(0, delayMs));
  }

  async stop(timeoutMs: number): Promise<void> {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.inflight.size === 0) return;
    const all = Promise.allSettled([...this.inflight.values()]);
    const settled = await within(all, timeoutMs / 2);
    if (settled) return;
    this.opts.log.warn(
      { inflight: this.inflight.size },
      "outbox stopping: aborting deliveries in flight (retried at the next start)",
    );
    this.abort.abort();
    await within(all, timeoutMs / 2);
  }

  private tick(): void {
    this.timer = null;
    this.timerAtMs = Infinity;
    if (!this.running) return;
    this.stats.ticks++;
    const { store, concurrency } = this.opts;
    const pollMs = this.opts.pollMs ?? 1000;
    let nowMs = this.opts.now();
    try {
      this.opts.onTick?.(nowMs);
      const free = concurrency - this.inflight.size;
      if (free > 0) {
        for (const job of store.due(nowMs, concurrency)) {
          if (this.inflight.size >= concurrency) break;
          if (this.inflight.has(job.id)) continue;
          this.launch(job);
        }
      }
      if (this.inflight.size >= concurrency) {
        this.wake(pollMs);
        return;
      }
      nowMs = this.opts.now();
      const next = store.nextWakeAtMs();
      const delay = next === null ? pollMs : Math.min(pollMs, Math.max(next - nowMs, 5));
      this.wake(delay);
    } catch (err) {
      this.stats.handlerErrors++;
      this.opts.log.error({ err: (err as Error).message }, "outbox tick failed; trying again");
      this.wake(pollMs);
    }
  }

  private launch(job: JobRow): void {
    const handler = this.opts.handlers[job.kind];
    this.stats.started++;
    const p = handler
      .run(job, this.abort.signal)
      .catch((err: unknown) => {
        this.stats.handlerErrors++;
        this.opts.log.error({ job: job.key, err: (err as Error).message }, "outbox job handler failed");
        try {
          // Never spin on a job whose handler throws: try again later, but never resend a command.
          const { store } = this.opts;
          const nowMs = this.opts.now();
          const state = store.job(job.id)?.state;
          const msg = `handler failed: ${(err as Error).message}`;
          if (state === "sending" && job.kind === "command")
            store.finish(job.id, "unknown", nowMs, "EA_COMMAND_OUTCOME_UNKNOWN", msg);
          else if (state === "sending") store.retryAt(job.id, nowMs + (this.opts.pollMs ?? 1000), msg);
          else if (state === "pending" || state === "confirmed")
            store.postpone(job.id, nowMs + (this.opts.pollMs ?? 1000));
        } catch {
          // the store is closed: the job is retried at the next start
        }
      })
      .finally(() => {
        this.inflight.delete(job.id);
        this.wake();
      });
    this.inflight.set(job.id, p);
  }
}

async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<boolean>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const ok = await Promise.race([p.then(() => true), t]);
  clearTimeout(timer);
  return ok;
}
