import type { Mlp } from "../mlp.js";
import { LOG_FLOOR, mlpShape } from "../mlp.js";
import { attr, boolTensor, encodeModel, floatTensor, node, valueInfo } from "./onnx-builders.js";
import type { NodeProto, TensorProto } from "./onnx-builders.js";

/**
 * Writes an MLP as ONNX: [Where(mask, Log(Max(x, floor)), x) →] Sub(mean) → Div(scale) → [MatMul → Add → Relu]… → MatMul → Add →
 * Softmax (classifier) or nothing (regressor). Input float32 [N, in], output float32 [N, out],
 * N symbolic. The same MLP always gives the same bytes.
 */
const RESERVED =
  /^(mean|scale|centered|logits|log_floor|log_mask|floored|logged|transformed|[hzWb]\d+|mm\d+)$/;

export function exportMlp(
  mlp: Mlp,
  opts: { docString?: string; metadata?: Record<string, string> } = {},
): Uint8Array {
  const widths = mlpShape(mlp);
  const d = widths[0] as number;
  const outW = widths[widths.length - 1] as number;
  for (const [i, s] of mlp.scale.entries()) {
    if (!(Number.isFinite(s) && s !== 0)) throw new Error(`scale[${i}] is ${s}: must be finite and non-zero`);
  }
  if (mlp.inputName === mlp.outputName) throw new Error("input and output names must differ");
  for (const name of [mlp.inputName, mlp.outputName]) {
    if (RESERVED.test(name)) throw new Error(`"${name}" is a name the exporter uses inside the graph`);
  }

  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  let x = mlp.inputName;
  if (mlp.logInputs?.some((l) => l)) {
    // Where(log_mask, Log(Max(x, floor)), x): the floor is LOG_FLOOR on logged inputs and the
    // lowest float elsewhere (so Max leaves them alone; their Log is computed but not selected).
    const floor = mlp.logInputs.map((l) => (l ? LOG_FLOOR : -3.4028234663852886e38));
    initializers.push(floatTensor("log_floor", [d], floor), boolTensor("log_mask", [d], mlp.logInputs));
    nodes.push(
      node("Max", [x, "log_floor"], ["floored"]),
      node("Log", ["floored"], ["logged"]),
      node("Where", ["log_mask", "logged", x], ["transformed"]),
    );
    x = "transformed";
  }
  nodes.push(node("Sub", [x, "mean"], ["centered"]), node("Div", ["centered", "scale"], ["h0"]));
  initializers.push(floatTensor("mean", [d], mlp.mean), floatTensor("scale", [d], mlp.scale));
  const last = mlp.layers.length - 1;
  mlp.layers.forEach((layer, k) => {
    const fanIn = widths[k] as number;
    const fanOut = widths[k + 1] as number;
    initializers.push(
      floatTensor(`W${k + 1}`, [fanIn, fanOut], layer.W),
      floatTensor(`b${k + 1}`, [fanOut], layer.b),
    );
    const prev = `h${k}`;
    nodes.push(node("MatMul", [prev, `W${k + 1}`], [`mm${k + 1}`]));
    if (k < last) {
      nodes.push(node("Add", [`mm${k + 1}`, `b${k + 1}`], [`z${k + 1}`]));
      nodes.push(node("Relu", [`z${k + 1}`], [`h${k + 1}`]));
    } else if (mlp.task === "classifier") {
      nodes.push(node("Add", [`mm${k + 1}`, `b${k + 1}`], ["logits"]));
      nodes.push(node("Softmax", ["logits"], [mlp.outputName], [attr.int("axis", -1)]));
    } else {
      nodes.push(node("Add", [`mm${k + 1}`, `b${k + 1}`], [mlp.outputName]));
    }
  });

  return encodeModel({
    name: "mlp",
    nodes,
    initializers,
    inputs: [valueInfo(mlp.inputName, "float", ["N", d])],
    outputs: [valueInfo(mlp.outputName, "float", ["N", outW])],
    docString: opts.docString ?? `MLP ${widths.join("→")} (${mlp.task})`,
    metadata: opts.metadata ?? {},
  });
}
