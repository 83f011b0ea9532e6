/**
 * Runs a loaded model (helper D's loadModel: hash and contract already checked) over many
 * feature rows, in batches, as the agent's inference stage would.
 */

import { Tensor } from "onnxruntime-node";
import type { LoadedModel } from "../inference/load-model.js";
import type { FeatureMatrix } from "../training/trees-binning.js";

/** Outputs row-major [nRows, model.outputWidth]: probabilities (classifier) or values (regressor). */
export async function runModel(
  model: LoadedModel,
  x: FeatureMatrix,
  batchRows = 2048,
): Promise<Float32Array> {
  if (x.nFeatures !== model.featureCount) {
    throw new RangeError(`model ${model.dir} takes ${model.featureCount} features, rows have ${x.nFeatures}`);
  }
  const { name: inputName } = model.manifest.input;
  const { name: outputName } = model.manifest.output;
  const width = model.outputWidth;
  const out = new Float32Array(x.nRows * width);
  for (let start = 0; start < x.nRows; start += batchRows) {
    const rows = Math.min(batchRows, x.nRows - start);
    const input = x.values.subarray(start * x.nFeatures, (start + rows) * x.nFeatures);
    const res = await model.session.run({ [inputName]: new Tensor("float32", input, [rows, x.nFeatures]) }, [
      outputName,
    ]);
    const data = res[outputName]?.data;
    if (!(data instanceof Float32Array) || data.length !== rows * width) {
      throw new RangeError(`model ${model.dir}: output '${outputName}' is not float32 [${rows}, ${width}]`);
    }
    out.set(data, start * width);
  }
  return out;
}
