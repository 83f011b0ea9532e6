import { readAi4iCsv } from "../src/datasets/ai4i-csv.js";
import { ai4iWindow, FAILURE_MODE_LABELS, failureModeOf } from "../src/datasets/ai4i-window.js";
import { featureMatrix } from "../src/eval/feature-matrix.js";
import { loadModel } from "../src/inference/load-model.js";
import { runModel } from "../src/eval/run-model.js";
const recs = await readAi4iCsv("../shared/datasets/ai4i2020/ai4i2020.csv");
const dir = process.argv[2] ?? "models/machine-failure";
const m = await loadModel(dir);
for (const [lo, hi] of [[4801, 6000], [6001, 8000]]) {
  const rows = recs.filter((r) => r.udi >= lo && r.udi <= hi);
  const x = featureMatrix({ features: m.manifest.input.features, primaryChannel: "air_temp_k", sampleRateHz: NaN, windowSamples: 1, params: {} }, rows.map((r, i) => ai4iWindow(r, i * 1000)));
  const p = await runModel(m, x);
  const K = 5;
  rows.forEach((r, i) => {
    let best = 0; for (let k = 1; k < K; k++) if (p[i * K + k]! > p[i * K + best]!) best = k;
    const truth = failureModeOf(r);
    const pred = FAILURE_MODE_LABELS[best];
    if (pred !== truth) console.log(lo, r.udi, r.type, "truth", truth, r.machineFailure ? "MF" : "", "pred", pred, "p", Array.from(p.subarray(i*K, i*K+K), v=>v.toFixed(2)).join(","), "load", (r.toolWearMin*r.torqueNm).toFixed(0), "W", (r.torqueNm*r.rpm*2*Math.PI/60).toFixed(0), "dT", (r.processTempK-r.airTempK).toFixed(1), "rpm", r.rpm);
  });
}
process.exit(0);
