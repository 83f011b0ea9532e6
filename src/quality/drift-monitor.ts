import { binIndex, type ClassShares, type FeatureBins, psi, type TrainingBins } from "./training-bins.js";

export interface DriftOptions {
  /** Sliding period: the last this many feature rows. */
  readonly windows: number;
  /** Evaluate the PSI every this many rows (once the period is full). */
  readonly everyWindows: number;
}

/** The result of one evaluation. */
export interface DriftEvaluation {
  /** Largest PSI over the watched features (and classes), and its feature. */
  readonly maxPsi: number;
  readonly feature: string;
}

/** Rows waiting for their prediction (class-conditional mode); older ones were shed by inference. */
const PENDING = 256;
const NO_CLASS = 255;

/**
 * Population stability index per model feature over a sliding period of the last `windows`
 * rows, against the bins of the model's training data. Nothing is allocated after construction:
 * each row costs a binary search per feature and counter updates (the row leaving the period
 * is taken back out).
 *
 * With per-class training shares (a classifier trained on a mixture of conditions), a row is
 * counted under the class the model predicted for it (`classify`, called with the prediction)
 * and each class with at least `minClassRows` rows in the period is compared with that class's
 * training shares. Without them, every row counts at once against the shares of all training rows.
 */
export class DriftMonitor {
  readonly features: readonly string[];
  /** PSI per watched feature at the last evaluation (the largest over classes; NaN before). */
  readonly lastPsi: Float64Array;
  readonly perClass: boolean;
  evaluations = 0;
  /** Rows that never got a prediction (shed by inference), class-conditional mode. */
  unmatched = 0;
  private readonly o: DriftOptions;
  private readonly columns: Int32Array;
  private readonly bins: FeatureBins[];
  /** expected[c][f]: training shares of class c for watched feature f (null: not compared). */
  private readonly expected: (Float64Array | null)[][];
  private readonly stride: number;
  /** counts[(c * d + f) * stride + b] */
  private readonly counts: Int32Array;
  private readonly classRows: Int32Array;
  private readonly ring: Uint8Array;
  private readonly ringClass: Uint8Array;
  private head = 0;
  private filled = 0;
  private sinceEval = 0;
  private readonly minClassRows: number;
  private readonly pendBins: Uint8Array;
  private readonly pendTs: Float64Array;
  private pendHead = 0;
  private pendLen = 0;
  private readonly scratch: Uint8Array;

  constructor(
    rowNames: readonly string[],
    training: TrainingBins,
    opts: DriftOptions,
    classShares?: ClassShares,
  ) {
    this.o = opts;
    const watched = rowNames.map((n, i) => ({ n, i, b: training.get(n) })).filter((x) => x.b !== undefined);
    this.features = watched.map((x) => x.n);
    this.columns = Int32Array.from(watched, (x) => x.i);
    this.bins = watched.map((x) => x.b!);
    const d = this.features.length;
    const byClass = this.features.map((f) => classShares?.get(f));
    this.perClass = d > 0 && byClass.every((c) => c?.some((s) => s !== null));
    const classes = this.perClass ? Math.max(...byClass.map((c) => c!.length)) : 1;
    this.expected = Array.from({ length: classes }, (_, c) =>
      this.bins.map((b, f) => (this.perClass ? (byClass[f]![c] ?? null) : b.shares)),
    );
    this.stride = Math.max(1, ...this.bins.map((b) => b.shares.length));
    this.counts = new Int32Array(classes * Math.max(1, d) * this.stride);
    this.classRows = new Int32Array(classes);
    this.ring = new Uint8Array(opts.windows * Math.max(1, d));
    this.ringClass = new Uint8Array(opts.windows).fill(NO_CLASS);
    this.lastPsi = new Float64Array(d).fill(Number.NaN);
    this.minClassRows = Math.min(50, opts.windows);
    this.pendBins = new Uint8Array(this.perClass ? PENDING * d : 0);
    this.pendTs = new Float64Array(this.perClass ? PENDING : 0);
    this.scratch = new Uint8Array(Math.max(1, d));
  }

  get watching(): boolean {
    return this.features.length > 0;
  }

  /** Rows in the current period. */
  get rows(): number {
    return this.filled;
  }

  /**
   * Adds one feature row. Returns true when an evaluation is due (read it with `evaluate()`).
   * In class-conditional mode the row waits for `classify` and this returns false.
   */
  add(row: Float32Array, tsMs: number): boolean {
    const d = this.features.length;
    if (d === 0) return false;
    if (!this.perClass) {
      for (let f = 0; f < d; f++) this.scratch[f] = binIndex(this.bins[f]!.edges, row[this.columns[f]!]!);
      return this.commit(this.scratch, 0, 0);
    }
    if (this.pendLen === PENDING) {
      this.pendHead = (this.pendHead + 1) % PENDING;
      this.pendLen--;
      this.unmatched++;
    }
    const slot = (this.pendHead + this.pendLen) % PENDING;
    for (let f = 0; f < d; f++)
      this.pendBins[slot * d + f] = binIndex(this.bins[f]!.edges, row[this.columns[f]!]!);
    this.pendTs[slot] = tsMs;
    this.pendLen++;
    return false;
  }

  /** The model's class for the row of window `tsMs` (class-conditional mode). True when an evaluation is due. */
  classify(tsMs: number, classIndex: number): boolean {
    if (!this.perClass) return false;
    while (this.pendLen > 0 && this.pendTs[this.pendHead]! < tsMs) {
      this.pendHead = (this.pendHead + 1) % PENDING;
      this.pendLen--;
      this.unmatched++;
    }
    if (this.pendLen === 0 || this.pendTs[this.pendHead]! !== tsMs) return false;
    const slot = this.pendHead;
    this.pendHead = (this.pendHead + 1) % PENDING;
    this.pendLen--;
    const c = classIndex >= 0 && classIndex < this.expected.length ? classIndex : NO_CLASS;
    return this.commit(this.pendBins, slot * this.features.length, c);
  }

  private commit(bins: Uint8Array, at: number, cls: number): boolean {
    const d = this.features.length;
    const base = this.head * d;
    if (this.filled === this.o.windows) {
      const old = this.ringClass[this.head]!;
      if (old !== NO_CLASS) {
        this.classRows[old]!--;
        for (let f = 0; f < d; f++) this.counts[(old * d + f) * this.stride + this.ring[base + f]!]!--;
      }
    } else this.filled++;
    this.ringClass[this.head] = cls;
    for (let f = 0; f < d; f++) {
      const b = bins[at + f]!;
      this.ring[base + f] = b;
      if (cls !== NO_CLASS) this.counts[(cls * d + f) * this.stride + b]!++;
    }
    if (cls !== NO_CLASS) this.classRows[cls]!++;
    this.head = (this.head + 1) % this.o.windows;
    if (this.filled < this.o.windows) return false;
    this.sinceEval++;
    if (this.sinceEval < this.o.everyWindows && this.evaluations > 0) return false;
    this.sinceEval = 0;
    return true;
  }

  /** PSI of every watched feature (per class with enough rows) over the current period. */
  evaluate(): DriftEvaluation {
    this.evaluations++;
    const d = this.features.length;
    let maxPsi = 0;
    let feature = "";
    this.lastPsi.fill(Number.NaN);
    for (let c = 0; c < this.expected.length; c++) {
      const n = this.classRows[c]!;
      if (n < (this.perClass ? this.minClassRows : 1)) continue;
      for (let f = 0; f < d; f++) {
        const e = this.expected[c]![f];
        if (e === null || e === undefined) continue;
        const v = psi(e, this.counts, (c * d + f) * this.stride, n);
        if (!(v <= this.lastPsi[f]!)) this.lastPsi[f] = v;
        if (v > maxPsi || feature === "") {
          maxPsi = v;
          feature = this.features[f]!;
        }
      }
    }
    return { maxPsi, feature };
  }

  /** The `n` features with the largest PSI at the last evaluation, for messages and logs. */
  top(n: number): { feature: string; psi: number }[] {
    return this.features
      .map((feature, i) => ({ feature, psi: Number((this.lastPsi[i] ?? Number.NaN).toFixed(4)) }))
      .filter((x) => !Number.isNaN(x.psi))
      .sort((a, b) => b.psi - a.psi)
      .slice(0, n);
  }
}
