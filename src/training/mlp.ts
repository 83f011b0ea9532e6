/**
 * A multilayer perceptron as the trainer produces it and the ONNX exporter writes it:
 * an optional log of chosen inputs (ln(max(x, LOG_FLOOR))), standardisation
 * ((x - mean) / scale), dense layers with ReLU between them, and softmax (classifier) or
 * identity (regressor) at the end.
 */

/** Inputs taken as logs are first raised to at least this (a zero line ratio stays finite). */
export const LOG_FLOOR = 1e-6;

export interface MlpLayer {
  /** Weights, `in × out` row-major: W[i * out + j] connects input i to output j. */
  readonly W: Float32Array;
  readonly b: Float32Array;
}

export interface Mlp {
  readonly mean: Float32Array;
  readonly scale: Float32Array;
  readonly layers: readonly MlpLayer[];
  readonly inputName: string;
  readonly outputName: string;
  readonly task: "classifier" | "regressor";
  /**
   * Inputs to take the natural log of before standardising (ratios and kurtoses, whose
   * spread is multiplicative); `mean` and `scale` are then those of the logs.
   */
  readonly logInputs?: readonly boolean[];
}

/** The value the network sees for input `i` before standardisation. */
export function transformInput(x: number, log: boolean): number {
  return log ? Math.log(Math.max(x, LOG_FLOOR)) : x;
}

/** Applies `logInputs` to a copy of the rows of X (d columns); the same rows when there is none. */
export function transformRows(
  X: Float32Array,
  d: number,
  logInputs: readonly boolean[] | undefined,
): Float32Array {
  if (!logInputs?.some((l) => l)) return X;
  const out = new Float32Array(X.length);
  for (let i = 0; i < X.length; i++) out[i] = transformInput(X[i] as number, logInputs[i % d] === true);
  return out;
}

/** Input and output widths of each layer, checked against the weight sizes. */
export function mlpShape(mlp: Pick<Mlp, "mean" | "scale" | "layers" | "logInputs">): number[] {
  const d = mlp.mean.length;
  if (mlp.scale.length !== d) throw new Error(`scale has ${mlp.scale.length} values, mean has ${d}`);
  if (mlp.logInputs !== undefined && mlp.logInputs.length !== d) {
    throw new Error(`logInputs has ${mlp.logInputs.length} entries for ${d} inputs`);
  }
  if (mlp.layers.length === 0) throw new Error("an MLP needs at least one layer");
  const widths = [d];
  for (const [k, layer] of mlp.layers.entries()) {
    const fanIn = widths[widths.length - 1] as number;
    const out = layer.b.length;
    if (out === 0 || layer.W.length !== fanIn * out) {
      throw new Error(`layer ${k}: W has ${layer.W.length} values, expected ${fanIn} × ${out}`);
    }
    widths.push(out);
  }
  return widths;
}

/**
 * Plain-JS forward pass over `n` rows of `x` (row-major, n × d), in float64 on the float32
 * parameters. Returns n × out: probabilities for a classifier, values for a regressor.
 */
export function predictMlp(
  mlp: Pick<Mlp, "mean" | "scale" | "layers" | "task" | "logInputs">,
  x: Float32Array,
): Float64Array {
  const widths = mlpShape(mlp);
  const d = widths[0] as number;
  const n = Math.floor(x.length / d);
  const outW = widths[widths.length - 1] as number;
  const out = new Float64Array(n * outW);
  const maxW = Math.max(...widths);
  let a = new Float64Array(maxW);
  let z = new Float64Array(maxW);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < d; i++) {
      // float32 like the graph: the log is taken and stored in single precision there.
      const v = Math.fround(transformInput(x[r * d + i] as number, mlp.logInputs?.[i] === true));
      a[i] = (v - (mlp.mean[i] as number)) / (mlp.scale[i] as number);
    }
    for (let k = 0; k < mlp.layers.length; k++) {
      const layer = mlp.layers[k] as MlpLayer;
      const fanIn = widths[k] as number;
      const fanOut = widths[k + 1] as number;
      for (let j = 0; j < fanOut; j++) z[j] = layer.b[j] as number;
      for (let i = 0; i < fanIn; i++) {
        const ai = a[i] as number;
        if (ai === 0) continue;
        const row = i * fanOut;
        for (let j = 0; j < fanOut; j++) z[j] = (z[j] as number) + ai * (layer.W[row + j] as number);
      }
      if (k < mlp.layers.length - 1) for (let j = 0; j < fanOut; j++) z[j] = Math.max(0, z[j] as number);
      [a, z] = [z, a];
    }
    if (mlp.task === "classifier") softmaxInPlace(a, outW);
    for (let j = 0; j < outW; j++) out[r * outW + j] = a[j] as number;
  }
  return out;
}

/** Softmax over the first `n` entries, stable against large logits. */
export function softmaxInPlace(v: Float64Array, n: number): void {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < n; j++) m = Math.max(m, v[j] as number);
  let s = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp((v[j] as number) - m);
    v[j] = e;
    s += e;
  }
  for (let j = 0; j < n; j++) v[j] = (v[j] as number) / s;
}
