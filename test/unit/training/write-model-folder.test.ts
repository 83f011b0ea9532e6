import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { afterEach, describe, expect, it } from "vitest";
import { benchMlp } from "../../../scripts/train/make-bench-model.js";
import { manifestSchema } from "../../../src/inference/manifest-schema.js";
import type { Manifest } from "../../../src/inference/manifest-schema.js";
import { exportMlp } from "../../../src/training/onnx/export-mlp.js";
import { writeModelFolder } from "../../../src/training/onnx/write-model-folder.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "model-folder-"));
  dirs.push(d);
  return d;
}

function manifest(metrics: Record<string, unknown>): Manifest {
  return {
    name: "m",
    version: "1",
    description: "",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features: ["mean"], params: { defectOrders: { bpfo: 3.5, bpfi: 5.4 } } },
    output: { name: "probabilities", labels: ["a", "b"] },
    provenance: { seed: 1, dataset: "x" },
    metrics,
  };
}

describe("writeModelFolder", () => {
  it("writes model.onnx and a manifest whose sha256 is the file's", () => {
    const dir = tempDir();
    const bytes = exportMlp(benchMlp());
    writeModelFolder(dir, bytes, manifest({}));
    const written = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    const sha = createHash("sha256")
      .update(readFileSync(join(dir, "model.onnx")))
      .digest("hex");
    expect(written.sha256).toBe(sha);
  });

  it("writes the same manifest bytes whatever order the figures were added in", () => {
    const a = tempDir();
    const b = tempDir();
    const bytes = exportMlp(benchMlp());
    writeModelFolder(a, bytes, manifest({ z: 1, a: { y: 2, b: 3 } }));
    writeModelFolder(b, bytes, manifest({ a: { b: 3, y: 2 }, z: 1 }));
    const text = readFileSync(join(a, "manifest.json"), "utf8");
    expect(readFileSync(join(b, "manifest.json"), "utf8")).toBe(text);
    expect(text.indexOf('"name"')).toBeLessThan(text.indexOf('"sha256"'));
    expect(text.indexOf('"bpfi"')).toBeLessThan(text.indexOf('"bpfo"'));
  });

  it("refuses a manifest that does not validate, and writes nothing", () => {
    const dir = join(tempDir(), "m");
    const bad = { ...manifest({}), name: "has space" };
    expect(() => writeModelFolder(dir, exportMlp(benchMlp()), bad)).toThrow();
    expect(existsSync(dir)).toBe(false);
  });
});

const PEER = "../shared/bench/peers/model/bench-mlp.onnx";

describe("the benchmark model", () => {
  it.skipIf(!existsSync(PEER))(
    "built by exportMlp gives the same probabilities as the peers' bench-mlp.onnx (skipped when ../shared is absent)",
    async () => {
      const ours = await ort.InferenceSession.create(exportMlp(benchMlp()));
      const peer = await ort.InferenceSession.create(PEER);
      const x = Float32Array.from({ length: 64 * 16 }, (_, i) => Math.sin(i * 12.9898) * 3);
      const feed = { features: new ort.Tensor("float32", x, [64, 16]) };
      const a = (await ours.run(feed)).probabilities!.data as Float32Array;
      const b = (await peer.run(feed)).probabilities!.data as Float32Array;
      expect(Array.from(a)).toEqual(Array.from(b));
    },
  );
});
