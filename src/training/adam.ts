/**
 * Adam with decoupled weight decay (AdamW) over a list of float64 parameter arrays.
 * Weight decay applies only to the arrays marked `decay` (weights, not biases).
 */
export class Adam {
  private readonly m: Float64Array[];
  private readonly v: Float64Array[];
  private t = 0;

  constructor(
    private readonly params: readonly Float64Array[],
    private readonly decay: readonly boolean[],
    private readonly opts: { lr: number; weightDecay: number; beta1?: number; beta2?: number; eps?: number },
  ) {
    this.m = params.map((p) => new Float64Array(p.length));
    this.v = params.map((p) => new Float64Array(p.length));
  }

  /** One step with the gradients `grads` (same shapes as the parameters). */
  step(grads: readonly Float64Array[]): void {
    const { lr, weightDecay } = this.opts;
    const b1 = this.opts.beta1 ?? 0.9;
    const b2 = this.opts.beta2 ?? 0.999;
    const eps = this.opts.eps ?? 1e-8;
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let k = 0; k < this.params.length; k++) {
      const p = this.params[k] as Float64Array;
      const g = grads[k] as Float64Array;
      const m = this.m[k] as Float64Array;
      const v = this.v[k] as Float64Array;
      const wd = this.decay[k] ? lr * weightDecay : 0;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i] as number;
        const mi = b1 * (m[i] as number) + (1 - b1) * gi;
        const vi = b2 * (v[i] as number) + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = (p[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps) - wd * (p[i] as number);
      }
    }
  }
}
