/**
 * Measures the agent's anomaly baseline on the Skoltech Anomaly Benchmark (SKAB, GPL-3.0):
 * the valve1 runs of a pump test bed, 1 Hz readings of 8 channels, with `anomaly` labels.
 *
 *   npx tsx scripts/eval/skab-baseline.ts [--data ../shared/datasets/skab] [--window-ms 5000]
 *     [--learn-s 400] [--threshold 6] [--combine max|rms] [--sweep]
 *
 * Everything goes through the agent's own code: readings → time windows (src/windows) →
 * scalar features `s_mean@<channel>`, `s_std@<channel>` (src/features) → the asset baseline
 * with its advice state machine (src/baseline, src/advice). Two protocols:
 * - per run (how the agent is used on a new asset, and SKAB's usual protocol): each run is an
 *   asset whose learning period is its first `learn-s` seconds (anomaly-free in every valve1
 *   run); the rest is scored;
 * - global: learn once on the anomaly-free run, score every valve1 run whole.
 * Each window's verdict applies to every reading in it; F1, false-alarm rate (FP / (FP + TN))
 * and missed-alarm rate (FN / (FN + TP)) are over readings, summed across runs. "window" is
 * the raw per-window score against the threshold; "advice" is the debounced advice (k of n).
 * Nothing is written: no model fitted on this GPL data is kept.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AssetBaseline } from "../../src/baseline/asset-baseline.js";
import { adviceSchema, profileSchema } from "../../src/config/profile-schema.js";
import { baselineSchema } from "../../src/config/quality-schema.js";
import { FeatureExtractor } from "../../src/features/feature-extractor.js";
import type { Window } from "../../src/types.js";
import { createWindower } from "../../src/windows/create-windower.js";
import { argValue } from "../train/args.js";

const DATA = argValue("--data") ?? "../shared/datasets/skab";
const WINDOW_MS = Number(argValue("--window-ms") ?? 5000);
const LEARN_S = Number(argValue("--learn-s") ?? 400);
const THRESHOLD = Number(argValue("--threshold") ?? 6);
const COMBINE = (argValue("--combine") ?? "max") as "max" | "rms";

const COLUMNS: Record<string, string> = {
  Accelerometer1RMS: "accel1",
  Accelerometer2RMS: "accel2",
  Current: "current",
  Pressure: "pressure",
  Temperature: "temperature",
  Thermocouple: "thermocouple",
  Voltage: "voltage",
  "Volume Flow RateRMS": "flow",
};
const CHANNELS = Object.values(COLUMNS);
const FEATURES = CHANNELS.flatMap((c) => [`s_mean@${c}`, `s_std@${c}`]);

interface Run {
  readonly name: string;
  readonly tsMs: Float64Array;
  /** rows × CHANNELS.length */
  readonly values: Float32Array;
  readonly anomaly: Uint8Array;
}

function readRun(file: string): Run {
  const lines = readFileSync(file, "utf8").trim().split("\n");
  const header = lines[0]!.split(";");
  const col = CHANNELS.map((c) => header.indexOf(Object.keys(COLUMNS).find((k) => COLUMNS[k] === c)!));
  const a = header.indexOf("anomaly");
  const n = lines.length - 1;
  const tsMs = new Float64Array(n);
  const values = new Float32Array(n * CHANNELS.length);
  const anomaly = new Uint8Array(n);
  lines.slice(1).forEach((l, i) => {
    const cells = l.split(";");
    tsMs[i] = Date.parse(`${cells[0]!.replace(" ", "T")}Z`);
    col.forEach((ci, k) => {
      values[i * CHANNELS.length + k] = Number(cells[ci]!);
    });
    anomaly[i] = a >= 0 && Number(cells[a]) === 1 ? 1 : 0;
  });
  return { name: file, tsMs, values, anomaly };
}

const profile = profileSchema.parse({
  transport: { type: "mqtt" },
  codec: { type: "json-scalar" },
  channels: Object.fromEntries(CHANNELS.map((c) => [c, {}])),
  windowing: { type: "time", durationMs: WINDOW_MS, minReadings: 1 },
  model: { name: "none" },
  advice: { classes: { normal: { severity: "ok" } } },
});

/** Windows of a run (the agent's time windower), each with the index range of its readings. */
function windowsOf(run: Run, from: number, to: number): { w: Window; first: number; last: number }[] {
  const windower = createWindower(profile);
  const out: { w: Window; first: number; last: number }[] = [];
  let first = from;
  const take = (ws: Window[], next: number) => {
    for (const w of ws) {
      out.push({ w, first, last: next - 1 });
      first = next;
    }
  };
  for (let i = from; i < to; i++) {
    for (let k = 0; k < CHANNELS.length; k++) {
      const ws = windower.push({
        channel: CHANNELS[k]!,
        tsMs: run.tsMs[i]!,
        sampleRateHz: Number.NaN,
        samples: run.values.subarray(i * CHANNELS.length + k, i * CHANNELS.length + k + 1),
      });
      take(ws, i);
    }
  }
  take(windower.flush(run.tsMs[to - 1]! + WINDOW_MS), to);
  return out;
}

function detector(threshold: number, learnWindows: number): AssetBaseline {
  return new AssetBaseline({
    site: "skab",
    asset: "valve1",
    cfg: baselineSchema.parse({ learnWindows, threshold, combine: COMBINE }),
    advice: adviceSchema.parse({
      debounce: { k: 3, n: 5 },
      minHoldMs: 0,
      cooldownMs: 0,
      classes: { normal: { severity: "ok" } },
    }),
    rowNames: FEATURES,
    extractor: { primaryChannel: CHANNELS[0]!, sampleRateHz: Number.NaN, windowSamples: 1, params: {} },
    onFitted: () => {},
  });
}

const fx = new FeatureExtractor(FEATURES, {
  primaryChannel: CHANNELS[0]!,
  sampleRateHz: Number.NaN,
  windowSamples: 1,
  params: {},
});
const row = new Float32Array(FEATURES.length);

/** Feeds windows; returns per reading [score-verdict, advice-verdict] for the scored range. */
function score(b: AssetBaseline, run: Run, from: number, to: number, threshold: number, tally: Tally): void {
  for (const { w, first, last } of windowsOf(run, from, to)) {
    fx.compute(w, row);
    b.observe(w, row, w.tsMs);
    if (b.detector.phase !== "scoring" || Number.isNaN(b.detector.lastScore)) continue;
    const raw = b.detector.lastScore >= threshold ? 1 : 0;
    const advised = b.machine.current.fault === "anomaly" ? 1 : 0;
    for (let i = first; i <= last; i++) {
      tally.add("window", raw, run.anomaly[i]!);
      tally.add("advice", advised, run.anomaly[i]!);
    }
    b.detector.lastScore = Number.NaN;
  }
}

class Tally {
  readonly c = new Map<string, [number, number, number, number]>();
  add(kind: string, pred: number, truth: number): void {
    const t = this.c.get(kind) ?? [0, 0, 0, 0];
    t[pred * 2 + truth]! += 1; // [TN, FN, FP, TP]
    this.c.set(kind, t);
  }
  line(kind: string): string {
    const [tn, fn, fp, tp] = this.c.get(kind) ?? [0, 0, 0, 0];
    const p = tp / Math.max(1, tp + fp);
    const r = tp / Math.max(1, tp + fn);
    const f1 = (2 * p * r) / Math.max(1e-12, p + r);
    const far = fp / Math.max(1, fp + tn);
    const mar = fn / Math.max(1, fn + tp);
    return `F1 ${f1.toFixed(3)}  precision ${p.toFixed(3)}  recall ${r.toFixed(3)}  false-alarm rate ${(100 * far).toFixed(1)}%  missed-alarm rate ${(100 * mar).toFixed(1)}%  (${tp + fn + fp + tn} readings)`;
  }
}

function learnWindowCount(run: Run, to: number): number {
  return windowsOf(run, 0, to).length;
}

function perRun(runs: readonly Run[], threshold: number): Tally {
  const tally = new Tally();
  for (const run of runs) {
    const t0 = run.tsMs[0]!;
    let learnTo = 0;
    while (learnTo < run.tsMs.length && run.tsMs[learnTo]! < t0 + LEARN_S * 1000) learnTo++;
    const b = detector(threshold, learnWindowCount(run, learnTo));
    score(b, run, 0, run.tsMs.length, threshold, tally);
  }
  return tally;
}

function global(free: Run, runs: readonly Run[], threshold: number): Tally {
  const tally = new Tally();
  const learnWindows = learnWindowCount(free, free.tsMs.length);
  for (const run of runs) {
    // The same fit for every run: learn on the anomaly-free run, then score the run.
    const b = detector(threshold, learnWindows);
    for (const { w } of windowsOf(free, 0, free.tsMs.length)) {
      fx.compute(w, row);
      b.observe(w, row, w.tsMs);
    }
    score(b, run, 0, run.tsMs.length, threshold, tally);
  }
  return tally;
}

const valveDir = join(DATA, "valve1");
const files = readdirSync(valveDir)
  .filter((f) => f.endsWith(".csv"))
  .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
const runs = files.map((f) => readRun(join(valveDir, f)));
const free = readRun(join(DATA, "anomaly-free", "anomaly-free.csv"));
const share =
  runs.reduce((s, r) => s + r.anomaly.reduce((a, b) => a + b, 0), 0) /
  runs.reduce((s, r) => s + r.anomaly.length, 0);
console.log(
  `SKAB valve1: ${runs.length} runs, ${runs.reduce((s, r) => s + r.anomaly.length, 0)} readings (${(100 * share).toFixed(1)}% anomalous); ` +
    `features ${FEATURES.length} (s_mean, s_std of ${CHANNELS.length} channels) over ${WINDOW_MS / 1000} s time windows; ` +
    `robust |z| (median/MAD), ${COMBINE} over features`,
);
const thresholds = process.argv.includes("--sweep") ? [3, 4, 5, 6, 8, 10, 15, 20] : [THRESHOLD];
for (const t of thresholds) {
  const a = perRun(runs, t);
  console.log(`\nper run, learning on each run's first ${LEARN_S} s, threshold ${t}:`);
  console.log(`  window  ${a.line("window")}`);
  console.log(`  advice  ${a.line("advice")}`);
  const g = global(free, runs, t);
  console.log(`global, learning on the anomaly-free run, threshold ${t}:`);
  console.log(`  window  ${g.line("window")}`);
  console.log(`  advice  ${g.line("advice")}`);
}
console.log(
  "\nreference (SKAB leaderboard, outlier detection): Conv-AE F1 0.78, MSET 0.78, PCA T2+Q 0.76, Isolation Forest 0.29",
);
