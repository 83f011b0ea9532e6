/**
 * Builds models/bench-mlp: the benchmark workload's 16 → 32 → 4 MLP, through the project's own
 * exporter, with the weights the peers use (mulberry32(160), Glorot-uniform, drawn W1, b1, W2,
 * b2), so every contender predicts the same classes. Then checks it against the peers' file
 * in onnxruntime on random inputs and prints the largest difference.
 *
 *   npx tsx scripts/train/make-bench-model.ts [--out models/bench-mlp]
 *     [--peer ../shared/bench/peers/model/bench-mlp.onnx]
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import type { Mlp } from "../../src/training/mlp.js";
import { exportMlp } from "../../src/training/onnx/export-mlp.js";
import { writeModelFolder } from "../../src/training/onnx/write-model-folder.js";
import { mulberry32 } from "../../src/training/prng.js";
import { argValue } from "./args.js";
import { WORKLOAD_FEATURES } from "../../src/features/workload-features.js";

export const BENCH_SEED = 160;
export { WORKLOAD_FEATURES };
export const BENCH_LABELS = ["normal", "inner_race", "outer_race", "ball"];
// Feature centre and spread for a ~1 g RMS window, as in the peers' make-bench-model.mjs.
const MU = [0.0, 1.0, 1.0, 4.3, 7.9, 4.2, 0.0, 3.8, 1.28, 5.4, 0.4, 0.09, 0.15, 0.17, 0.1, 0.09];
const SIGMA = [0.05, 0.2, 0.2, 1.3, 2.4, 0.8, 0.2, 1.2, 0.05, 1.2, 0.11, 0.025, 0.1, 0.11, 0.03, 0.025];

export function benchMlp(): Mlp {
  const rand = mulberry32(BENCH_SEED);
  const glorot = (fanIn: number, fanOut: number) => {
    const lim = Math.sqrt(6 / (fanIn + fanOut));
    return Float32Array.from({ length: fanIn * fanOut }, () => (2 * rand() - 1) * lim);
  };
  const bias = (n: number) => Float32Array.from({ length: n }, () => (2 * rand() - 1) * 0.1);
  const W1 = glorot(16, 32);
  const b1 = bias(32);
  const W2 = glorot(32, 4);
  const b2 = bias(4);
  return {
    mean: Float32Array.from(MU),
    scale: Float32Array.from(SIGMA),
    layers: [
      { W: W1, b: b1 },
      { W: W2, b: b2 },
    ],
    inputName: "features",
    outputName: "probabilities",
    task: "classifier",
  };
}

/** Largest |difference| of the two models' probabilities and the argmax agreement on the same rows. */
async function compare(ours: Uint8Array, peerPath: string, rows: number) {
  const a = await ort.InferenceSession.create(ours);
  const b = await ort.InferenceSession.create(peerPath);
  const rand = mulberry32(7);
  const x = new Float32Array(rows * 16);
  for (let r = 0; r < rows; r++) {
    const spread = r % 10 === 9 ? 6 : 1.5;
    for (let i = 0; i < 16; i++) x[r * 16 + i] = MU[i]! + SIGMA[i]! * spread * (2 * rand() - 1);
  }
  const feed = { features: new ort.Tensor("float32", x, [rows, 16]) };
  const pa = (await a.run(feed)).probabilities!.data as Float32Array;
  const pb = (await b.run(feed)).probabilities!.data as Float32Array;
  let maxDiff = 0;
  let sameClass = 0;
  for (let r = 0; r < rows; r++) {
    const ra = Array.from(pa.subarray(r * 4, r * 4 + 4));
    const rb = Array.from(pb.subarray(r * 4, r * 4 + 4));
    for (let k = 0; k < 4; k++) maxDiff = Math.max(maxDiff, Math.abs(ra[k]! - rb[k]!));
    if (ra.indexOf(Math.max(...ra)) === rb.indexOf(Math.max(...rb))) sameClass++;
  }
  return { maxDiff, sameClass };
}

async function main(): Promise<void> {
  const out = argValue("--out") ?? "models/bench-mlp";
  const peer = argValue("--peer") ?? "../shared/bench/peers/model/bench-mlp.onnx";
  const bytes = exportMlp(benchMlp(), {
    docString: "Vibration-fleet benchmark MLP 16 → 32 → 4; weights from mulberry32(160), not trained.",
  });
  const manifest = writeModelFolder(out, bytes, {
    name: "bench-mlp",
    version: "1.0.0",
    description:
      "Benchmark workload model (WORKLOAD.md): the 16 workload features of a 1024-sample window → 4 classes. " +
      "Untrained: its weights are the peers' seeded random ones, so that every contender does the same work. " +
      "Not for maintenance decisions.",
    task: "classifier",
    sha256: "0".repeat(64),
    input: {
      name: "features",
      features: [...WORKLOAD_FEATURES],
      windowSamples: 1024,
      sampleRateHz: 12000,
      params: {},
    },
    output: { name: "probabilities", labels: BENCH_LABELS },
    provenance: {
      trained: false,
      weights: "mulberry32(160): W1 16x32, b1 32, W2 32x4, b2 4, Glorot-uniform weights, biases (2u-1)*0.1",
      sameAs: "shared/bench/peers/model/make-bench-model.mjs",
      command: "npx tsx scripts/train/make-bench-model.ts",
    },
    metrics: {},
  });
  console.log(`wrote ${out}/model.onnx (${bytes.length} bytes, sha256 ${manifest.sha256})`);
  if (!existsSync(peer)) {
    console.log(`peer model ${peer} not found: comparison skipped`);
    return;
  }
  const rows = 1000;
  const { maxDiff, sameClass } = await compare(bytes, peer, rows);
  console.log(
    `vs ${peer} on ${rows} random rows: max |diff| = ${maxDiff.toExponential(2)}, same class ${sameClass}/${rows}`,
  );
  if (!(maxDiff <= 1e-6) || sameClass !== rows) {
    console.error("FAIL: the bench model differs from the peers'");
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
