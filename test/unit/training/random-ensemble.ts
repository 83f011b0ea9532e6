import { mulberry32 } from "../../../src/training/prng.js";
import type { Tree, TreeEnsemble } from "../../../src/training/tree-model.js";

/** Random full trees of a given depth over `nFeatures`, leaf values in [-2, 2), for export tests. */
export function randomEnsemble(
  seed: number,
  shape: Pick<
    TreeEnsemble,
    "kind" | "nFeatures" | "nOutputs" | "aggregate" | "postTransform" | "baseValues"
  > & {
    nTrees: number;
    depth: number;
  },
): TreeEnsemble {
  const rand = mulberry32(seed);
  const trees: Tree[] = [];
  for (let k = 0; k < shape.nTrees; k++) {
    const nNodes = 2 ** (shape.depth + 1) - 1;
    const feature = new Int32Array(nNodes);
    const threshold = new Float32Array(nNodes);
    const left = new Int32Array(nNodes).fill(-1);
    const right = new Int32Array(nNodes).fill(-1);
    const value = new Float32Array(nNodes * shape.nOutputs);
    for (let i = 0; i < nNodes; i++) {
      if (2 * i + 2 < nNodes) {
        feature[i] = Math.floor(rand() * shape.nFeatures);
        threshold[i] = 2 * rand() - 1;
        left[i] = 2 * i + 1;
        right[i] = 2 * i + 2;
      } else {
        feature[i] = -1;
        for (let o = 0; o < shape.nOutputs; o++) value[i * shape.nOutputs + o] = 4 * rand() - 2;
      }
    }
    trees.push({ feature, threshold, left, right, value });
  }
  return { ...shape, trees };
}

/** n rows of d values, uniform in [-1.5, 1.5). */
export function randomRows(seed: number, n: number, d: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: n * d }, () => 3 * rand() - 1.5);
}
