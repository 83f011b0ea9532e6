import type { Prediction } from "../types.js";
import type { LoadedModel } from "./load-model.js";
import type { BatchResult } from "./micro-batcher.js";

/**
 * Turns one row of a batch result into a `Prediction`. Classifiers: the most probable class, its
 * probability as confidence, and a copy of the row's probabilities (the batch buffer is only valid
 * during the batch callback). Regressors: the value, mapped to a class through the profile's
 * thresholds.
 */

export interface ValueThreshold {
  readonly below: number;
  readonly class: string;
}

/** How a regressor's value becomes a class: the profile's thresholds and normal class. */
export interface ValueClasses {
  readonly thresholds: readonly ValueThreshold[];
  readonly normalClass: string;
}

const NO_PROBABILITIES = new Float32Array(0);

/** The class of the first threshold whose `below` is greater than `value`, else `normalClass`. */
export function classifyValue(
  value: number,
  thresholds: readonly ValueThreshold[],
  normalClass: string,
): string {
  const i = thresholdIndex(value, thresholds);
  return i < thresholds.length ? thresholds[i]!.class : normalClass;
}

/** Index of the first threshold whose `below` is greater than `value`; thresholds.length if none. */
export function thresholdIndex(value: number, thresholds: readonly ValueThreshold[]): number {
  for (let i = 0; i < thresholds.length; i++) {
    if (value < thresholds[i]!.below) return i;
  }
  return thresholds.length;
}

/** Index of the largest of `width` values from `offset` (the first one on ties; NaN never wins). */
export function argmax(values: Float32Array, offset: number, width: number): number {
  let best = 0;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < width; k++) {
    const v = values[offset + k]!;
    if (v > bestValue) {
      bestValue = v;
      best = k;
    }
  }
  return best;
}

/**
 * The prediction for row `row` of `result`. `tsMs` is the time of the window it was computed
 * from. `valueClasses` is needed for regressors (without it a regressor's class is the empty string).
 */
export function predictRow(
  model: LoadedModel,
  result: BatchResult,
  row: number,
  tsMs: number,
  valueClasses?: ValueClasses,
): Prediction {
  if (!(row >= 0 && row < result.rows))
    throw new RangeError(`row ${row} is not in a batch of ${result.rows}`);
  const { manifest } = model;
  const width = result.outputWidth;
  const offset = row * width;
  if (manifest.task === "classifier") {
    const classIndex = argmax(result.outputs, offset, width);
    return {
      model: manifest.name,
      modelVersion: manifest.version,
      tsMs,
      classIndex,
      className: manifest.output.labels[classIndex] ?? String(classIndex),
      confidence: result.outputs[offset + classIndex]!,
      probabilities: result.outputs.slice(offset, offset + width),
      value: Number.NaN,
    };
  }
  const value = result.outputs[offset]!;
  const thresholds = valueClasses?.thresholds ?? [];
  const classIndex = thresholdIndex(value, thresholds);
  return {
    model: manifest.name,
    modelVersion: manifest.version,
    tsMs,
    classIndex,
    className:
      classIndex < thresholds.length ? thresholds[classIndex]!.class : (valueClasses?.normalClass ?? ""),
    confidence: 1,
    probabilities: NO_PROBABILITIES,
    value,
  };
}
