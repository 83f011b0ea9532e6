import { Adam } from "./adam.js";
import { Net } from "./mlp-net.js";
import type { Mlp } from "./mlp.js";
import { transformRows } from "./mlp.js";
import { mulberry32, permutation } from "./prng.js";
import type { Rand } from "./prng.js";
import { columnStats } from "./standardize.js";

/**
 * Trains an MLP with Adam: ReLU hidden layers, softmax cross-entropy (classifier, optional
 * class weights) or mean squared error (regressor), early stopping on the validation loss.
 * Standardisation comes from the training rows only and ends up inside the model; regressor
 * targets are standardised for training and the scaling is folded back into the last layer.
 * Everything runs in float64 in a fixed order from one seed: the same data and options give
 * the same weights, to the bit.
 */

export interface TrainMlpOptions {
  readonly hidden: readonly number[];
  readonly task: "classifier" | "regressor";
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Epochs without a better validation loss before stopping; the best epoch's weights are kept. */
  readonly patience: number;
  /** Share of rows (seeded random) held out for early stopping, when `val` is not given. 0: none. */
  readonly valFraction?: number;
  readonly val?: { readonly X: Float32Array; readonly y: Int32Array | Float32Array };
  readonly seed: number;
  /** Classes (default: max label + 1). */
  readonly nClasses?: number;
  /** Per-class loss weights, or `balanced` (inverse class frequency in the training rows). */
  readonly classWeights?: readonly number[] | "balanced";
  /** Regressor outputs per row (default 1). */
  readonly nOutputs?: number;
  readonly inputName?: string;
  readonly outputName?: string;
  /** Inputs to take the log of (inside the model) before standardising; see Mlp.logInputs. */
  readonly logInputs?: readonly boolean[];
}

export interface TrainMlpResult {
  readonly mlp: Mlp;
  /** Epoch (1-based) whose weights were kept. */
  readonly bestEpoch: number;
  readonly epochsRun: number;
  /** Mean training and validation loss per epoch (NaN when there is no validation set). */
  readonly history: readonly { readonly trainLoss: number; readonly valLoss: number }[];
  readonly classWeights?: readonly number[];
}

interface Data {
  readonly X: Float32Array;
  readonly y: Int32Array | Float32Array;
  readonly rows: number;
}

export function trainMlp(
  X: Float32Array,
  y: Int32Array | Float32Array,
  opts: TrainMlpOptions,
): TrainMlpResult {
  const classifier = opts.task === "classifier";
  const outW = classifier ? (opts.nClasses ?? maxLabel(y) + 1) : (opts.nOutputs ?? 1);
  const rows = classifier ? y.length : y.length / outW;
  const d = X.length / rows;
  if (!Number.isInteger(rows) || !Number.isInteger(d) || rows === 0 || d === 0) {
    throw new Error(`X has ${X.length} values and y ${y.length}: not rows × features`);
  }
  if (classifier && !(y instanceof Int32Array)) throw new Error("a classifier needs Int32Array labels");
  const rand = mulberry32(opts.seed);
  if (opts.logInputs !== undefined && opts.logInputs.length !== d) {
    throw new Error(`logInputs has ${opts.logInputs.length} entries for ${d} features`);
  }
  const split = splitData({ X, y, rows }, d, outW, classifier, opts, rand);
  const logged = (data: Data): Data => ({ ...data, X: transformRows(data.X, d, opts.logInputs) });
  const train = logged(split.train);
  const val = split.val ? logged(split.val) : undefined;

  const { mean, scale } = columnStats(train.X, d);
  const yStats = classifier ? undefined : columnStats(train.y as Float32Array, outW);
  const classWeights = classifier
    ? resolveClassWeights(opts.classWeights, train.y as Int32Array, outW)
    : undefined;

  const widths = [d, ...opts.hidden, outW];
  const net = new Net(widths, rand);
  const adam = new Adam(net.params, net.decay, { lr: opts.lr, weightDecay: opts.weightDecay });
  const loss = (data: Data) => net.loss(data, mean, scale, classWeights, yStats, null);

  const history: { trainLoss: number; valLoss: number }[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestEpoch = 0;
  let bestParams = net.params.map((p) => p.slice());
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const order = permutation(train.rows, rand);
    let sum = 0;
    for (let start = 0; start < train.rows; start += opts.batchSize) {
      const batch = order.subarray(start, Math.min(train.rows, start + opts.batchSize));
      sum += net.loss(train, mean, scale, classWeights, yStats, batch) * batch.length;
      adam.step(net.grads);
    }
    const valLoss = val ? loss(val) : Number.NaN;
    history.push({ trainLoss: sum / train.rows, valLoss });
    if (!val) {
      bestEpoch = epoch;
      continue;
    }
    if (valLoss < best - 1e-9) {
      best = valLoss;
      bestEpoch = epoch;
      bestParams = net.params.map((p) => p.slice());
    } else if (epoch - bestEpoch >= opts.patience) {
      break;
    }
  }
  if (val) {
    for (const [k, p] of net.params.entries()) p.set(bestParams[k] as Float64Array);
  }

  const layers = net.toLayers(yStats);
  const mlp: Mlp = {
    mean: Float32Array.from(mean),
    scale: Float32Array.from(scale),
    layers,
    inputName: opts.inputName ?? "features",
    outputName: opts.outputName ?? (classifier ? "probabilities" : "value"),
    task: opts.task,
    ...(opts.logInputs?.some((l) => l) ? { logInputs: [...opts.logInputs] } : {}),
  };
  return { mlp, bestEpoch, epochsRun: history.length, history, ...(classWeights ? { classWeights } : {}) };
}

function maxLabel(y: Int32Array | Float32Array): number {
  let m = 0;
  for (const v of y) m = Math.max(m, v);
  return m;
}

function splitData(
  all: Data,
  d: number,
  outW: number,
  classifier: boolean,
  opts: TrainMlpOptions,
  rand: Rand,
): { train: Data; val: Data | undefined } {
  const yW = classifier ? 1 : outW;
  if (opts.val) {
    const rows = opts.val.y.length / yW;
    if (opts.val.X.length !== rows * d) throw new Error("validation X and y disagree on the row count");
    return { train: all, val: { X: opts.val.X, y: opts.val.y, rows } };
  }
  const f = opts.valFraction ?? 0;
  const nVal = Math.floor(all.rows * f);
  if (nVal === 0) return { train: all, val: undefined };
  const order = permutation(all.rows, rand);
  const take = (idx: Int32Array): Data => {
    const X = new Float32Array(idx.length * d);
    const y = classifier ? new Int32Array(idx.length) : new Float32Array(idx.length * yW);
    idx.forEach((r, i) => {
      X.set(all.X.subarray(r * d, r * d + d), i * d);
      y.set(all.y.subarray(r * yW, r * yW + yW), i * yW);
    });
    return { X, y, rows: idx.length };
  };
  return { train: take(order.subarray(nVal)), val: take(order.subarray(0, nVal)) };
}

function resolveClassWeights(w: TrainMlpOptions["classWeights"], y: Int32Array, nClasses: number): number[] {
  if (w === undefined) return new Array<number>(nClasses).fill(1);
  if (w !== "balanced") {
    if (w.length !== nClasses) throw new Error(`${w.length} class weights for ${nClasses} classes`);
    return [...w];
  }
  const counts = new Array<number>(nClasses).fill(0);
  for (const c of y) counts[c] = (counts[c] ?? 0) + 1;
  return counts.map((n) => (n === 0 ? 0 : y.length / (nClasses * n)));
}
