import { type InferenceSession, Tensor } from "onnxruntime-node";
import type { LoadedModel } from "./load-model.js";
import { RowQueue } from "./row-queue.js";

/**
 * Micro-batched inference for one model (one session). Callers enqueue feature rows; rows that
 * arrive in the same I/O turn, or while a run is in flight, go into one `session.run`.
 *
 * - At most one run in flight. When the first row arrives while idle, a flush is scheduled with
 *   `setImmediate`, so every message already read in this turn joins the batch; with `maxWaitMs` > 0
 *   a batch smaller than `maxBatch` then waits up to that long for more rows. When a run finishes
 *   and rows are queued, the next batch (up to `maxBatch` rows) runs at once.
 * - Rows are copied into a preallocated ring (`maxQueue` rows) on enqueue, and from it into one
 *   preallocated input buffer at flush. The input buffer is written only while no run is in flight,
 *   so the tensor handed to onnxruntime is never overwritten under it.
 * - Bounded: when the queue is full, the oldest queued row is shed (`onShed`, counted).
 * - Every enqueued row ends in exactly one of `onBatch`, `onShed` or `onError`.
 */

export interface BatchItem<T> {
  /** Length = featureCount; may be a subarray view. */
  features: Float32Array;
  tag: T;
}

export interface BatchResult {
  /** Row-major outputs [rows × outputWidth] of this batch (valid only during the callback). */
  outputs: Float32Array;
  rows: number;
  outputWidth: number;
  /** Time `session.run` took for this batch. */
  latencyMs: number;
}

export interface MicroBatcherOptions {
  /** Most rows in one run, e.g. 64. */
  maxBatch: number;
  /** How long a batch smaller than maxBatch may wait for more rows; 0: flush on the next turn. */
  maxWaitMs: number;
  /** Most rows waiting; beyond it the oldest rows are shed. */
  maxQueue: number;
}

export interface MicroBatcherStats {
  batches: number;
  rows: number;
  shed: number;
  /** Failed runs, and batches whose onBatch threw (each reported through onError). */
  errors: number;
  maxBatchSeen: number;
}

type State = "idle" | "running" | "stopping" | "stopped";

export class MicroBatcher<T> {
  private readonly queue: RowQueue<T>;
  private readonly input: Float32Array;
  private readonly statsValue: MicroBatcherStats = {
    batches: 0,
    rows: 0,
    shed: 0,
    errors: 0,
    maxBatchSeen: 0,
  };
  private state: State = "idle";
  private flight: readonly T[] | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  private drained: (() => void) | null = null;
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly model: LoadedModel,
    private readonly opts: MicroBatcherOptions,
    private readonly onBatch: (tags: readonly T[], result: BatchResult) => void,
    private readonly onShed: (tag: T) => void,
    private readonly onError: (err: Error, tags: readonly T[]) => void,
  ) {
    if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) {
      throw new RangeError(`maxBatch must be an integer ≥ 1, got ${opts.maxBatch}`);
    }
    if (!(opts.maxWaitMs >= 0)) throw new RangeError(`maxWaitMs must be ≥ 0, got ${opts.maxWaitMs}`);
    this.queue = new RowQueue<T>(opts.maxQueue, model.featureCount);
    this.input = new Float32Array(opts.maxBatch * model.featureCount);
  }

  get queued(): number {
    return this.queue.length;
  }

  get inFlight(): boolean {
    return this.flight !== null;
  }

  get stats(): Readonly<MicroBatcherStats> {
    return this.statsValue;
  }

  start(): void {
    if (this.state !== "idle") return;
    this.state = "running";
    this.schedule();
  }

  enqueue(features: Float32Array, tag: T): void {
    if (features.length !== this.model.featureCount) {
      throw new RangeError(
        `model ${this.model.dir} takes ${this.model.featureCount} features per row, got ${features.length}`,
      );
    }
    if (this.state === "stopping" || this.state === "stopped") {
      this.shed(tag);
      return;
    }
    const pushed = this.queue.push(features, tag);
    if (pushed.evicted) this.shed(pushed.tag);
    if (this.waitTimer !== null && this.queue.length >= this.opts.maxBatch) {
      clearTimeout(this.waitTimer);
      this.waitTimer = null;
      this.flush();
    } else {
      this.schedule();
    }
  }

  /**
   * Stops taking rows (later ones are shed) and runs what is queued. Resolves when the queue is
   * empty and no run is in flight, or after `timeoutMs`: then the rows still queued or in flight
   * are shed, and a late result is dropped.
   */
  stop(timeoutMs: number): Promise<void> {
    if (this.stopping !== null) return this.stopping;
    if (this.state === "idle" && this.queue.length === 0) {
      this.state = "stopped";
      this.stopping = Promise.resolve();
      return this.stopping;
    }
    this.state = "stopping";
    this.stopping = new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.abandon(), timeoutMs);
      this.drained = () => {
        clearTimeout(timer);
        this.drained = null;
        this.state = "stopped";
        resolve();
      };
      this.clearWait();
      this.flush();
    });
    return this.stopping;
  }

  private schedule(): void {
    if (
      this.state !== "running" ||
      this.flight !== null ||
      this.immediate !== null ||
      this.waitTimer !== null
    )
      return;
    if (this.queue.length === 0) return;
    this.immediate = setImmediate(this.afterTurn);
  }

  /** Runs after the I/O turn in which the first row arrived. */
  private readonly afterTurn = (): void => {
    this.immediate = null;
    if (this.opts.maxWaitMs > 0 && this.queue.length < this.opts.maxBatch && this.state === "running") {
      this.waitTimer = setTimeout(this.afterWait, this.opts.maxWaitMs);
      return;
    }
    this.flush();
  };

  private readonly afterWait = (): void => {
    this.waitTimer = null;
    this.flush();
  };

  private flush(): void {
    if (this.flight !== null) return;
    const rows = Math.min(this.queue.length, this.opts.maxBatch);
    if (rows === 0) {
      this.drained?.();
      return;
    }
    const n = this.model.featureCount;
    const tags = this.queue.take(rows, this.input);
    this.flight = tags;
    const { session, manifest } = this.model;
    const feeds = {
      [manifest.input.name]: new Tensor("float32", this.input.subarray(0, rows * n), [rows, n]),
    };
    const t0 = performance.now();
    void session.run(feeds, [manifest.output.name]).then(
      (out) => this.finished(tags, out, performance.now() - t0),
      (err: unknown) => this.failed(tags, err instanceof Error ? err : new Error(String(err))),
    );
  }

  private finished(tags: readonly T[], out: InferenceSession.ReturnType, latencyMs: number): void {
    if (this.flight !== tags) return; // abandoned by stop(): its rows were shed
    this.flight = null;
    const rows = tags.length;
    const width = this.model.outputWidth;
    const data = out[this.model.manifest.output.name]?.data;
    if (!(data instanceof Float32Array) || data.length !== rows * width) {
      this.report(
        new Error(`model ${this.model.dir}: expected float32 [${rows}, ${width}] from a run`),
        tags,
      );
    } else {
      const s = this.statsValue;
      s.batches++;
      s.rows += rows;
      if (rows > s.maxBatchSeen) s.maxBatchSeen = rows;
      try {
        this.onBatch(tags, { outputs: data, rows, outputWidth: width, latencyMs });
      } catch (err) {
        this.report(err instanceof Error ? err : new Error(String(err)), tags);
      }
    }
    this.next();
  }

  private failed(tags: readonly T[], err: Error): void {
    if (this.flight !== tags) return;
    this.flight = null;
    this.report(err, tags);
    this.next();
  }

  private next(): void {
    if (this.state === "running") {
      if (this.queue.length > 0) this.flush();
    } else if (this.state === "stopping") {
      this.flush();
    }
  }

  private report(err: Error, tags: readonly T[]): void {
    this.statsValue.errors++;
    this.onError(err, tags);
  }

  private shed(tag: T): void {
    this.statsValue.shed++;
    this.onShed(tag);
  }

  private clearWait(): void {
    if (this.immediate !== null) clearImmediate(this.immediate);
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.immediate = null;
    this.waitTimer = null;
  }

  /** stop() timed out: shed what is in flight and queued, and resolve. */
  private abandon(): void {
    const inFlight = this.flight ?? [];
    this.flight = null;
    for (const tag of inFlight) this.shed(tag);
    while (this.queue.length > 0) this.shed(this.queue.shift() as T);
    this.drained?.();
  }
}
