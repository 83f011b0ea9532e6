import { type InferenceSession, Tensor } from "onnxruntime-node";
import type { Manifest } from "./manifest-schema.js";

/**
 * The contract between a manifest and its ONNX graph: one float32 input [N, features.length], and an
 * output [N, labels.length] (classifiers) or [N, 1] (regressors). Checked twice: on the declared
 * metadata, then by running the graph on zeros.
 */

export type SessionMetadata = Pick<
  InferenceSession,
  "inputNames" | "outputNames" | "inputMetadata" | "outputMetadata"
>;

/** A failed warm-up is reported as a ModelError; onnxruntime need not also log it to stderr. */
const QUIET: InferenceSession.RunOptions = { logSeverityLevel: 4 };

/** Row counts of the warm-up runs: one row, and a small batch. */
export const WARM_UP_ROWS = [1, 8] as const;

export function outputWidthOf(manifest: Manifest): number {
  return manifest.task === "classifier" ? manifest.output.labels.length : 1;
}

/** Problems of the manifest itself that its schema does not catch. */
export function manifestProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  if (manifest.task === "classifier" && manifest.output.labels.length < 2) {
    problems.push(
      `output.labels: a classifier needs at least 2 labels, found ${manifest.output.labels.length}`,
    );
  }
  const seen = new Set<string>();
  for (const label of manifest.output.labels) {
    if (seen.has(label)) problems.push(`output.labels: '${label}' appears more than once`);
    seen.add(label);
  }
  return problems;
}

function dimText(d: unknown): string {
  return typeof d === "number" ? String(d) : `'${String(d)}'`;
}

/** A fixed dimension must equal `expected`; a symbolic (named or unknown) one is accepted. */
function dimFits(d: unknown, expected: number): boolean {
  return typeof d !== "number" || d < 0 || d === expected;
}

function checkValue(
  kind: "input" | "output",
  name: string,
  names: readonly string[],
  metadata: readonly InferenceSession.ValueMetadata[],
  width: number,
  widthWhat: string,
): string[] {
  if (!names.includes(name)) {
    return [
      `${kind} '${name}' named in the manifest is not in the graph, which has ${kind}s [${names.join(", ")}]`,
    ];
  }
  const meta = metadata.find((m) => m.name === name);
  if (meta === undefined) return [];
  if (!meta.isTensor) {
    return [
      `${kind} '${name}' is not a tensor (a ZipMap or sequence output?); expected float32 [N, ${width}]`,
    ];
  }
  const problems: string[] = [];
  if (meta.type !== "float32") problems.push(`${kind} '${name}' is ${meta.type}, expected float32`);
  const shape = meta.shape;
  if (shape.length === 0) return problems; // shape not declared: the warm-up run checks it
  if (shape.length !== 2) {
    problems.push(
      `${kind} '${name}' has rank ${shape.length} [${shape.map(dimText).join(", ")}], expected 2 [N, ${width}]`,
    );
  } else if (!dimFits(shape[1], width)) {
    problems.push(`${kind} '${name}' has ${dimText(shape[1])} columns, expected ${width} (${widthWhat})`);
  }
  return problems;
}

/** Checks the graph's declared inputs and outputs against the manifest. */
export function checkDeclaredContract(manifest: Manifest, session: SessionMetadata): string[] {
  const featureCount = manifest.input.features.length;
  const width = outputWidthOf(manifest);
  const widthWhat =
    manifest.task === "classifier"
      ? `output.labels has ${width} labels`
      : "a regressor gives one value per row";
  const problems = checkValue(
    "input",
    manifest.input.name,
    session.inputNames,
    session.inputMetadata,
    featureCount,
    `input.features has ${featureCount} names`,
  );
  const others = session.inputNames.filter((n) => n !== manifest.input.name);
  if (others.length > 0) {
    problems.push(
      `the graph has inputs [${others.join(", ")}] besides '${manifest.input.name}'; the agent feeds one`,
    );
  }
  problems.push(
    ...checkValue(
      "output",
      manifest.output.name,
      session.outputNames,
      session.outputMetadata,
      width,
      widthWhat,
    ),
  );
  return problems;
}

/**
 * Runs the graph on zeros (1 row, then 8) and checks the output's type and shape, and that
 * classifier probabilities are finite. Resolves with the problems found ([] when it works).
 */
export async function warmUp(
  session: InferenceSession,
  manifest: Manifest,
  rowCounts: readonly number[] = WARM_UP_ROWS,
): Promise<string[]> {
  const n = manifest.input.features.length;
  const width = outputWidthOf(manifest);
  for (const rows of rowCounts) {
    const feeds = { [manifest.input.name]: new Tensor("float32", new Float32Array(rows * n), [rows, n]) };
    let out: InferenceSession.ReturnType;
    try {
      out = await session.run(feeds, [manifest.output.name], QUIET);
    } catch (err) {
      return [`a run on ${rows}×${n} zeros failed: ${err instanceof Error ? err.message : String(err)}`];
    }
    const value = out[manifest.output.name];
    if (value === undefined) return [`a run on ${rows}×${n} zeros gave no '${manifest.output.name}'`];
    const dims = value.dims.join(", ");
    if (value.type !== "float32" || !(value.data instanceof Float32Array)) {
      return [
        `a run on ${rows}×${n} zeros gave ${value.type} [${dims}], expected float32 [${rows}, ${width}]`,
      ];
    }
    if (value.dims.length !== 2 || value.dims[0] !== rows || value.dims[1] !== width) {
      return [`a run on ${rows}×${n} zeros gave shape [${dims}], expected [${rows}, ${width}]`];
    }
    if (manifest.task === "classifier" && !value.data.every(Number.isFinite)) {
      return [
        `a run on ${rows}×${n} zeros gave non-finite probabilities [${Array.from(value.data.subarray(0, width))}]`,
      ];
    }
  }
  return [];
}
