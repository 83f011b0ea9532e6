import type { Tree, TreeEnsemble } from "./tree-model.js";

/**
 * Plain-JS evaluation of a tree ensemble, the reference the ONNX export is checked against.
 *
 * Scores per output = SUM or AVERAGE of the leaves reached in each tree, plus `baseValues`;
 * then `postTransform` across the outputs. A classifier with one output is binary: its score
 * is the positive class's (LOGISTIC only), and the result is [1 - σ(s), σ(s)].
 */

/** Number of columns `predictTreeEnsemble` returns per row. */
export function predictionWidth(e: TreeEnsemble): number {
  return e.kind === "classifier" && e.nOutputs === 1 ? 2 : e.nOutputs;
}

/** Index of the leaf that row `x` (d values from `offset`) reaches in `tree`. */
export function leafIndex(tree: Tree, x: ArrayLike<number>, offset = 0): number {
  let i = 0;
  for (let steps = 0; steps <= tree.feature.length; steps++) {
    const f = tree.feature[i] as number;
    if (f < 0) return i;
    i =
      (x[offset + f] as number) <= (tree.threshold[i] as number)
        ? (tree.left[i] as number)
        : (tree.right[i] as number);
  }
  throw new Error("tree has a cycle");
}

export function checkEnsemble(e: TreeEnsemble): void {
  if (e.trees.length === 0) throw new Error("a tree ensemble needs at least one tree");
  if (e.baseValues.length !== 0 && e.baseValues.length !== e.nOutputs) {
    throw new Error(`baseValues has ${e.baseValues.length} values for ${e.nOutputs} outputs`);
  }
  if (e.kind === "classifier" && e.nOutputs === 1 && e.postTransform !== "LOGISTIC") {
    throw new Error("a binary classifier with one score needs postTransform LOGISTIC");
  }
  e.trees.forEach((t, k) => {
    const n = t.feature.length;
    if (
      t.threshold.length !== n ||
      t.left.length !== n ||
      t.right.length !== n ||
      t.value.length !== n * e.nOutputs
    ) {
      throw new Error(`tree ${k}: arrays disagree on the node count ${n}`);
    }
    for (let i = 0; i < n; i++) {
      const f = t.feature[i] as number;
      if (f >= e.nFeatures) throw new Error(`tree ${k} node ${i}: feature ${f} of ${e.nFeatures}`);
      const l = t.left[i] as number;
      const r = t.right[i] as number;
      if (f >= 0 && !(l >= 0 && l < n && r >= 0 && r < n && l !== i && r !== i)) {
        throw new Error(`tree ${k} node ${i}: children ${l}, ${r} out of range`);
      }
    }
  });
}

/** Row-major n × predictionWidth(e): probabilities for a classifier, values for a regressor. */
export function predictTreeEnsemble(e: TreeEnsemble, x: Float32Array): Float64Array {
  checkEnsemble(e);
  const d = e.nFeatures;
  const n = Math.floor(x.length / d);
  const k = e.nOutputs;
  const w = predictionWidth(e);
  const out = new Float64Array(n * w);
  const s = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    s.fill(0);
    for (const tree of e.trees) {
      const leaf = leafIndex(tree, x, r * d);
      for (let o = 0; o < k; o++) s[o] = (s[o] as number) + (tree.value[leaf * k + o] as number);
    }
    for (let o = 0; o < k; o++) {
      const agg = e.aggregate === "AVERAGE" ? (s[o] as number) / e.trees.length : (s[o] as number);
      s[o] = agg + (e.baseValues[o] ?? 0);
    }
    const row = out.subarray(r * w, r * w + w);
    if (e.kind === "classifier" && k === 1) {
      const p = sigmoid(s[0] as number);
      row[0] = 1 - p;
      row[1] = p;
      continue;
    }
    applyPostTransform(e.postTransform, s, row);
  }
  return out;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

function applyPostTransform(t: TreeEnsemble["postTransform"], s: Float64Array, row: Float64Array): void {
  if (t === "SOFTMAX") {
    let m = Number.NEGATIVE_INFINITY;
    for (const v of s) m = Math.max(m, v);
    let sum = 0;
    for (let o = 0; o < s.length; o++) sum += row[o] = Math.exp((s[o] as number) - m);
    for (let o = 0; o < s.length; o++) row[o] = (row[o] as number) / sum;
  } else if (t === "LOGISTIC") {
    for (let o = 0; o < s.length; o++) row[o] = sigmoid(s[o] as number);
  } else {
    row.set(s);
  }
}
