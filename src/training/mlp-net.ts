import type { MlpLayer } from "./mlp.js";
import type { Rand } from "./prng.js";

/**
 * The trainer's working network: float64 parameters, their gradients, and a row-by-row
 * forward and backward pass (small networks, so no batching tricks: the order of every
 * addition is fixed, which keeps training bit-for-bit repeatable).
 */
export class Net {
  /** [W1, b1, W2, b2, …]; W is fanIn × fanOut row-major. */
  readonly params: Float64Array[] = [];
  readonly grads: Float64Array[] = [];
  /** Which parameters take weight decay (the weights). */
  readonly decay: boolean[] = [];
  private readonly acts: Float64Array[];
  private readonly deltas: Float64Array[];

  constructor(
    private readonly widths: readonly number[],
    rand: Rand,
  ) {
    const last = widths.length - 2;
    for (let k = 0; k <= last; k++) {
      const fanIn = widths[k] as number;
      const fanOut = widths[k + 1] as number;
      // He-uniform before a ReLU, Glorot-uniform for the output layer.
      const lim = k < last ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
      this.params.push(Float64Array.from({ length: fanIn * fanOut }, () => (2 * rand() - 1) * lim));
      this.params.push(new Float64Array(fanOut));
      this.decay.push(true, false);
    }
    for (const p of this.params) this.grads.push(new Float64Array(p.length));
    this.acts = widths.map((w) => new Float64Array(w));
    this.deltas = widths.map((w) => new Float64Array(w));
  }

  /**
   * Mean loss over `batch` (row indices; null = every row, no gradients). With a batch the
   * gradients of the mean loss are left in `grads`. Classifier: weighted softmax cross-entropy
   * (weights normalised over the batch); regressor (classWeights undefined): squared error
   * on the standardised targets, averaged over rows and outputs.
   */
  loss(
    data: { X: Float32Array; y: Int32Array | Float32Array; rows: number },
    mean: Float64Array,
    scale: Float64Array,
    classWeights: readonly number[] | undefined,
    yStats: { mean: Float64Array; scale: Float64Array } | undefined,
    batch: Int32Array | null,
  ): number {
    const d = this.widths[0] as number;
    const outW = this.widths[this.widths.length - 1] as number;
    const n = batch ? batch.length : data.rows;
    const withGrad = batch !== null;
    if (withGrad) for (const g of this.grads) g.fill(0);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const r = batch ? (batch[i] as number) : i;
      norm += classWeights ? (classWeights[data.y[r] as number] ?? 0) : 1;
    }
    if (norm === 0) return 0;
    let total = 0;
    const input = this.acts[0] as Float64Array;
    const outAct = this.acts[this.acts.length - 1] as Float64Array;
    const outDelta = this.deltas[this.deltas.length - 1] as Float64Array;
    for (let i = 0; i < n; i++) {
      const r = batch ? (batch[i] as number) : i;
      for (let j = 0; j < d; j++)
        input[j] = ((data.X[r * d + j] as number) - (mean[j] as number)) / (scale[j] as number);
      this.forward();
      if (classWeights) {
        const c = data.y[r] as number;
        const w = (classWeights[c] ?? 0) / norm;
        let m = Number.NEGATIVE_INFINITY;
        for (let j = 0; j < outW; j++) m = Math.max(m, outAct[j] as number);
        let s = 0;
        for (let j = 0; j < outW; j++) s += Math.exp((outAct[j] as number) - m);
        const logSum = m + Math.log(s);
        total += w * (logSum - (outAct[c] as number));
        for (let j = 0; j < outW; j++)
          outDelta[j] = w * (Math.exp((outAct[j] as number) - logSum) - (j === c ? 1 : 0));
      } else {
        const ys = yStats as { mean: Float64Array; scale: Float64Array };
        for (let j = 0; j < outW; j++) {
          const t = ((data.y[r * outW + j] as number) - (ys.mean[j] as number)) / (ys.scale[j] as number);
          const e = (outAct[j] as number) - t;
          total += (e * e) / (norm * outW);
          outDelta[j] = (2 * e) / (norm * outW);
        }
      }
      if (withGrad) this.backward();
    }
    return total;
  }

  private forward(): void {
    const layers = this.widths.length - 1;
    for (let k = 0; k < layers; k++) {
      const a = this.acts[k] as Float64Array;
      const z = this.acts[k + 1] as Float64Array;
      const W = this.params[2 * k] as Float64Array;
      const b = this.params[2 * k + 1] as Float64Array;
      const fanOut = z.length;
      z.set(b);
      for (let i = 0; i < a.length; i++) {
        const ai = a[i] as number;
        if (ai === 0) continue;
        const row = i * fanOut;
        for (let j = 0; j < fanOut; j++) z[j] = (z[j] as number) + ai * (W[row + j] as number);
      }
      if (k < layers - 1) for (let j = 0; j < fanOut; j++) if ((z[j] as number) < 0) z[j] = 0;
    }
  }

  /** Accumulates gradients from `deltas` of the output layer back to the input. */
  private backward(): void {
    for (let k = this.widths.length - 2; k >= 0; k--) {
      const a = this.acts[k] as Float64Array;
      const delta = this.deltas[k + 1] as Float64Array;
      const W = this.params[2 * k] as Float64Array;
      const gW = this.grads[2 * k] as Float64Array;
      const gb = this.grads[2 * k + 1] as Float64Array;
      const fanOut = delta.length;
      for (let j = 0; j < fanOut; j++) gb[j] = (gb[j] as number) + (delta[j] as number);
      const prev = this.deltas[k] as Float64Array;
      for (let i = 0; i < a.length; i++) {
        const ai = a[i] as number;
        const row = i * fanOut;
        let back = 0;
        for (let j = 0; j < fanOut; j++) {
          const dj = delta[j] as number;
          gW[row + j] = (gW[row + j] as number) + ai * dj;
          back += (W[row + j] as number) * dj;
        }
        // ReLU: the activation was zero where the pre-activation was not positive.
        prev[i] = k > 0 && ai <= 0 ? 0 : back;
      }
    }
  }

  /** float32 layers for export; a regressor's target scaling is folded into the last layer. */
  toLayers(yStats: { mean: Float64Array; scale: Float64Array } | undefined): MlpLayer[] {
    const layers: MlpLayer[] = [];
    const last = this.widths.length - 2;
    for (let k = 0; k <= last; k++) {
      const W = Float32Array.from(this.params[2 * k] as Float64Array);
      const b = Float32Array.from(this.params[2 * k + 1] as Float64Array);
      if (k === last && yStats) {
        const fanOut = b.length;
        const Wk = this.params[2 * k] as Float64Array;
        const bk = this.params[2 * k + 1] as Float64Array;
        for (let i = 0; i < W.length; i++) W[i] = (Wk[i] as number) * (yStats.scale[i % fanOut] as number);
        for (let j = 0; j < fanOut; j++) {
          b[j] = (bk[j] as number) * (yStats.scale[j] as number) + (yStats.mean[j] as number);
        }
      }
      layers.push({ W, b });
    }
    return layers;
  }
}
