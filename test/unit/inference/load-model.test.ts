import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tensor } from "onnxruntime-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  isModelError,
  type LoadedModel,
  loadModel,
  type ModelErrorCode,
  releaseModel,
} from "../../../src/inference/load-model.js";
import {
  encodeMlp,
  type FixtureModels,
  forward,
  makeFixtureModels,
  manifestFor,
  mulberry32,
  sha256,
  writeModelFolder,
} from "../../fixtures/models/make-fixtures.js";

let root: string;
let fx: FixtureModels;
const loaded: LoadedModel[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ea-models-"));
  fx = await makeFixtureModels(root);
});

afterAll(async () => {
  await Promise.all(loaded.map(releaseModel));
  await rm(root, { recursive: true, force: true });
});

async function load(dir: string): Promise<LoadedModel> {
  const model = await loadModel(dir);
  loaded.push(model);
  return model;
}

async function refusal(dir: string, code: ModelErrorCode) {
  const err = await loadModel(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isModelError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  if (!isModelError(err)) throw new Error("unreachable");
  expect(err.modelDir).toBe(dir);
  expect(err.message).toContain(dir);
  return err;
}

function randomRows(rows: number, n: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  return Float32Array.from({ length: rows * n }, () => 4 * rand() - 2);
}

describe("loadModel", () => {
  it("loads a classifier whose outputs equal a plain-JS forward pass to 1e-5", async () => {
    const model = await load(fx.classifier);
    expect(model.featureCount).toBe(16);
    expect(model.outputWidth).toBe(4);
    expect(model.manifest.output.labels).toEqual(["normal", "inner_race", "outer_race", "ball"]);
    for (const rows of [1, 7, 64]) {
      const x = randomRows(rows, 16, rows);
      const out = await model.session.run({ features: new Tensor("float32", x, [rows, 16]) });
      const got = out.probabilities?.data as Float32Array;
      const want = forward(fx.classifierWeights, x, rows);
      expect(got).toHaveLength(rows * 4);
      let maxErr = 0;
      for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i]! - want[i]!));
      expect(maxErr).toBeLessThanOrEqual(1e-5);
    }
  });

  it("loads a regressor with one output column that equals the plain-JS forward pass", async () => {
    const model = await load(fx.regressor);
    expect(model.outputWidth).toBe(1);
    const x = randomRows(5, 16, 3);
    const out = await model.session.run({ features: new Tensor("float32", x, [5, 16]) });
    const want = forward(fx.regressorWeights, x, 5);
    Array.from(out.value?.data as Float32Array).forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 4);
    });
  });

  it("refuses a model.onnx whose sha256 differs from the manifest, showing both hashes", async () => {
    const err = await refusal(fx.wrongHash, "EA_MODEL_HASH_MISMATCH");
    const cls = encodeMlp(fx.classifierWeights);
    const reg = encodeMlp(fx.regressorWeights);
    expect(err.message).toContain(sha256(cls));
    expect(err.message).toContain(sha256(reg));
  });

  it("refuses a manifest that names 15 features for a graph that takes 16", async () => {
    const err = await refusal(fx.fifteenFeatures, "EA_MODEL_CONTRACT");
    expect(err.problems).toEqual([
      "input 'features' has 16 columns, expected 15 (input.features has 15 names)",
    ]);
  });

  it("refuses a graph with a symbolic feature dimension when the warm-up run on the manifest's width fails", async () => {
    const err = await refusal(fx.symbolicFifteen, "EA_MODEL_CONTRACT");
    expect(err.problems[0]).toMatch(/^a run on 1×15 zeros failed: /);
  });

  it("refuses a classifier whose probabilities are not finite on zeros", async () => {
    const err = await refusal(fx.nanClassifier, "EA_MODEL_CONTRACT");
    expect(err.problems[0]).toMatch(/non-finite probabilities/);
  });

  it("refuses a manifest whose labels and input/output names do not match the graph, listing each problem", async () => {
    const bytes = encodeMlp(fx.classifierWeights);
    const m = manifestFor("x", fx.classifierWeights, bytes);
    const dir = await writeModelFolder(join(root, "names"), bytes, {
      ...m,
      input: { ...(m.input as object), name: "x" },
      output: { name: "probabilities", labels: ["a", "b", "c"] },
    });
    const err = await refusal(dir, "EA_MODEL_CONTRACT");
    expect(err.problems).toEqual([
      "input 'x' named in the manifest is not in the graph, which has inputs [features]",
      "the graph has inputs [features] besides 'x'; the agent feeds one",
      "output 'probabilities' has 4 columns, expected 3 (output.labels has 3 labels)",
    ]);
  });

  it("refuses an invalid manifest, listing every issue with its path", async () => {
    const err = await refusal(fx.badManifest, "EA_MODEL_MANIFEST_INVALID");
    const paths = err.problems.map((p) => p.slice(0, p.indexOf(":")));
    expect(paths.sort()).toEqual(["(root)", "input.features", "name", "sha256", "task"]);
    expect(err.problems.find((p) => p.startsWith("(root)"))).toContain("colour");
    for (const p of err.problems) expect(err.message).toContain(p);
  });

  it("refuses a classifier manifest with fewer than two labels", async () => {
    const bytes = encodeMlp(fx.classifierWeights);
    const m = manifestFor("x", fx.classifierWeights, bytes);
    const dir = await writeModelFolder(join(root, "one-label"), bytes, {
      ...m,
      output: { name: "probabilities" },
    });
    const err = await refusal(dir, "EA_MODEL_MANIFEST_INVALID");
    expect(err.problems).toEqual(["output.labels: a classifier needs at least 2 labels, found 0"]);
  });

  it("refuses a manifest.json that is not JSON", async () => {
    const dir = join(root, "not-json");
    await writeModelFolder(dir, encodeMlp(fx.classifierWeights), {});
    await writeFile(join(dir, "manifest.json"), "{ name: ");
    const err = await refusal(dir, "EA_MODEL_MANIFEST_INVALID");
    expect(err.message).toMatch(/manifest\.json is not JSON/);
  });

  it("refuses a folder that does not exist, and one without model.onnx", async () => {
    const missing = await refusal(join(root, "no-such-model"), "EA_MODEL_NOT_FOUND");
    expect(missing.message).toContain("manifest.json");
    const dir = join(root, "no-onnx");
    await writeModelFolder(dir, new Uint8Array(0), manifestFor("x", fx.classifierWeights, new Uint8Array(0)));
    await rm(join(dir, "model.onnx"));
    const noOnnx = await refusal(dir, "EA_MODEL_NOT_FOUND");
    expect(noOnnx.message).toContain("model.onnx");
  });

  it("refuses a model.onnx that onnxruntime cannot load, even when its hash matches", async () => {
    const junk = new TextEncoder().encode("not an onnx file");
    const dir = await writeModelFolder(
      join(root, "junk"),
      junk,
      manifestFor("x", fx.classifierWeights, junk),
    );
    const err = await refusal(dir, "EA_MODEL_LOAD_FAILED");
    expect(err.message).toMatch(/onnxruntime could not load model\.onnx/);
  });
});
