import type { TreeEnsemble } from "../tree-model.js";
import { checkEnsemble } from "../tree-predict.js";
import { attr, encodeModel, ML_DOMAIN, node, valueInfo } from "./onnx-builders.js";
import type { AttributeProto, NodeProto } from "./onnx-builders.js";

/**
 * Writes a tree ensemble as ONNX (ai.onnx.ml opset 3).
 *
 * Regressor: TreeEnsembleRegressor, n_targets = nOutputs, output float32 [N, nOutputs].
 *
 * Classifier: TreeEnsembleClassifier with int64 labels 0…C-1 and no ZipMap; outputs
 * `label` int64 [N] and the probabilities float32 [N, C]. onnxruntime (1.30, measured) takes
 * a "binary" path whenever there are exactly two classes, and there it
 *  - picks the label from the sign of the second class's score, not the argmax (a forest
 *    leaf of [0.7, 0.3] comes out as label 1);
 *  - with weights for class 1 only and LOGISTIC, writes σ(0) = 0.5 for class 0, not 1 - p;
 *  - with `base_values`, ignores the leaf scores and returns the same row for every input.
 * So: every leaf carries an explicit weight for every class, the base values are folded into
 * the first tree's leaves (each row reaches exactly one of them) instead of `base_values`,
 * and `label` is an ArgMax over the probabilities in the graph, not the op's own label.
 * The classifier op has no AVERAGE: a forest's leaf weights are divided by the tree count.
 * A binary classifier with one LOGISTIC score s is written as two classes with scores
 * [0, s] and SOFTMAX, which is exactly [1 - σ(s), σ(s)].
 */
export interface TreeExportOptions {
  readonly inputName: string;
  /** The probabilities (classifier) or values (regressor). */
  readonly outputName: string;
  /** The classifier's int64 label output; default `label`. */
  readonly labelName?: string;
  readonly docString?: string;
  readonly metadata?: Record<string, string>;
}

interface NodeAttrs {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: string[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
}

function nodeAttributes(e: TreeEnsemble): NodeAttrs {
  const a: NodeAttrs = {
    treeIds: [],
    nodeIds: [],
    featureIds: [],
    modes: [],
    values: [],
    trueIds: [],
    falseIds: [],
  };
  e.trees.forEach((t, k) => {
    for (let i = 0; i < t.feature.length; i++) {
      const f = t.feature[i] as number;
      const leaf = f < 0;
      a.treeIds.push(k);
      a.nodeIds.push(i);
      a.featureIds.push(leaf ? 0 : f);
      a.modes.push(leaf ? "LEAF" : "BRANCH_LEQ");
      a.values.push(leaf ? 0 : (t.threshold[i] as number));
      a.trueIds.push(leaf ? 0 : (t.left[i] as number));
      a.falseIds.push(leaf ? 0 : (t.right[i] as number));
    }
  });
  return a;
}

function treeNodeAttrs(a: NodeAttrs): AttributeProto[] {
  return [
    attr.ints("nodes_treeids", a.treeIds),
    attr.ints("nodes_nodeids", a.nodeIds),
    attr.ints("nodes_featureids", a.featureIds),
    attr.strings("nodes_modes", a.modes),
    attr.floats("nodes_values", a.values),
    attr.ints("nodes_truenodeids", a.trueIds),
    attr.ints("nodes_falsenodeids", a.falseIds),
  ];
}

interface Votes {
  treeIds: number[];
  nodeIds: number[];
  ids: number[];
  weights: number[];
}

/**
 * One vote per leaf and output. `map(tree, o, v)` gives the weight written for output `o`
 * (of `width`) from the leaf values `v`.
 */
function leafVotes(
  e: TreeEnsemble,
  width: number,
  weight: (k: number, o: number, v: Float32Array) => number,
): Votes {
  const votes: Votes = { treeIds: [], nodeIds: [], ids: [], weights: [] };
  e.trees.forEach((t, k) => {
    for (let i = 0; i < t.feature.length; i++) {
      if ((t.feature[i] as number) >= 0) continue;
      const v = t.value.subarray(i * e.nOutputs, (i + 1) * e.nOutputs);
      for (let o = 0; o < width; o++) {
        votes.treeIds.push(k);
        votes.nodeIds.push(i);
        votes.ids.push(o);
        votes.weights.push(weight(k, o, v));
      }
    }
  });
  return votes;
}

export function exportTreeEnsemble(e: TreeEnsemble, opts: TreeExportOptions): Uint8Array {
  checkEnsemble(e);
  const d = e.nFeatures;
  const tree = nodeAttributes(e);
  const nodes: NodeProto[] = [];
  const outputs = [];
  const base = (o: number) => e.baseValues[o] ?? 0;

  if (e.kind === "regressor") {
    const votes = leafVotes(e, e.nOutputs, (_k, o, v) => v[o] as number);
    nodes.push(
      node(
        "TreeEnsembleRegressor",
        [opts.inputName],
        [opts.outputName],
        [
          ...treeNodeAttrs(tree),
          attr.ints("target_treeids", votes.treeIds),
          attr.ints("target_nodeids", votes.nodeIds),
          attr.ints("target_ids", votes.ids),
          attr.floats("target_weights", votes.weights),
          attr.int("n_targets", e.nOutputs),
          attr.string("aggregate_function", e.aggregate),
          attr.floats(
            "base_values",
            Array.from({ length: e.nOutputs }, (_, o) => base(o)),
          ),
          attr.string("post_transform", e.postTransform),
        ],
        ML_DOMAIN,
      ),
    );
    outputs.push(valueInfo(opts.outputName, "float", ["N", e.nOutputs]));
  } else {
    const binaryScore = e.nOutputs === 1;
    const classes = binaryScore ? 2 : e.nOutputs;
    const scale = e.aggregate === "AVERAGE" ? 1 / e.trees.length : 1;
    // Base values go into tree 0's leaves: each row reaches exactly one leaf there.
    const votes = leafVotes(e, classes, (k, o, v) => {
      if (binaryScore) return o === 0 ? 0 : (v[0] as number) * scale + (k === 0 ? base(0) : 0);
      return (v[o] as number) * scale + (k === 0 ? base(o) : 0);
    });
    const labelName = opts.labelName ?? "label";
    nodes.push(
      node(
        "TreeEnsembleClassifier",
        [opts.inputName],
        ["ensemble_label", opts.outputName],
        [
          ...treeNodeAttrs(tree),
          attr.ints("class_treeids", votes.treeIds),
          attr.ints("class_nodeids", votes.nodeIds),
          attr.ints("class_ids", votes.ids),
          attr.floats("class_weights", votes.weights),
          attr.ints(
            "classlabels_int64s",
            Array.from({ length: classes }, (_, c) => c),
          ),
          attr.string("post_transform", binaryScore ? "SOFTMAX" : e.postTransform),
        ],
        ML_DOMAIN,
      ),
      node("ArgMax", [opts.outputName], [labelName], [attr.int("axis", 1), attr.int("keepdims", 0)]),
    );
    outputs.push(valueInfo(labelName, "int64", ["N"]), valueInfo(opts.outputName, "float", ["N", classes]));
  }

  const metadata: Record<string, string> = { ...(opts.metadata ?? {}) };
  if (e.labels) metadata.labels = e.labels.join(",");
  return encodeModel({
    name: `tree_ensemble_${e.kind}`,
    nodes,
    initializers: [],
    inputs: [valueInfo(opts.inputName, "float", ["N", d])],
    outputs,
    usesMl: true,
    docString: opts.docString ?? `${e.trees.length} trees, ${e.aggregate}, ${e.postTransform} (${e.kind})`,
    metadata,
  });
}
