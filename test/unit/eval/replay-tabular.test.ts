import { afterAll, describe, expect, it } from "vitest";
import { formatWhen, readRecording } from "../../../src/cli/replay.js";
import { loadConfig, type ResolvedAsset } from "../../../src/config/load-config.js";
import { AI4I_HEADER, formatAi4iCsv, parseAi4iCsv } from "../../../src/datasets/ai4i-csv.js";
import { ai4iReading, FAILURE_MODE_LABELS, failureModeOf } from "../../../src/datasets/ai4i-window.js";
import { parseCmapssText } from "../../../src/datasets/cmapss.js";
import { CMAPSS_INFORMATIVE_SENSORS, cmapssWindow } from "../../../src/datasets/cmapss-windows.js";
import { evaluateModel } from "../../../src/eval/evaluate-model.js";
import { featureMatrix } from "../../../src/eval/feature-matrix.js";
import { runModel } from "../../../src/eval/run-model.js";
import { loadModel, releaseModel } from "../../../src/inference/load-model.js";
import { replay } from "../../../src/pipeline/replay-runner.js";
import { mulberry32 } from "../../../src/training/prng.js";
import { tempDir } from "../../helpers/temp-dir.js";

/**
 * `edge-agent replay` on tabular recordings, one payload per line through the shipped profiles'
 * JSON-scalar codec and time windows, with the shipped models: AI4I readings (machine-failure)
 * and C-MAPSS cycles (turbofan-rul). What the replay predicts must be what eval and the
 * training code compute for the same rows.
 */

const T0 = Date.UTC(2026, 10, 28, 6, 0, 0);
const dir = tempDir({
  "fleet.yaml": [
    "agent: { id: replay-test }",
    'mqtt: { url: "mqtt://127.0.0.1:1" }',
    "topicPrefix: factory",
    "sites:",
    "  - id: plant1",
    "    assets:",
    "      - { id: mill-1, profile: ai4i-milling-machine }",
    "      - { id: engine-1, profile: cmapss-turbofan }",
  ].join("\n"),
});
afterAll(() => dir.cleanup());

function assetOf(key: string): ResolvedAsset {
  const asset = loadConfig(dir.path("fleet.yaml")).assets.find((a) => a.ref.key === key);
  if (asset === undefined) throw new Error(`no asset ${key}`);
  return asset;
}

/** AI4I-like rows over the whole operating range, their failure flags set by the published rules. */
function ai4iRows(n: number, seed: number): string {
  const rand = mulberry32(seed);
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    const type = (["L", "L", "M", "H"] as const)[Math.floor(rand() * 4)]!;
    const air = Math.round((295 + rand() * 9) * 10) / 10;
    const proc = Math.round((air + 7.6 + rand() * 4) * 10) / 10;
    const rpm = Math.round(1200 + rand() * 1700);
    const torque = Math.round((4 + rand() * 72) * 10) / 10;
    const wear = Math.floor(rand() * 250);
    const watts = (torque * rpm * 2 * Math.PI) / 60;
    const hdf = proc - air < 8.6 && rpm < 1380 ? 1 : 0;
    const pwf = watts < 3500 || watts > 9000 ? 1 : 0;
    const osf = wear * torque > { L: 11000, M: 12000, H: 13000 }[type] ? 1 : 0;
    const failure = hdf || pwf || osf ? 1 : 0;
    lines.push(
      [i, `${type}${i}`, type, air, proc, rpm, torque, wear, failure, 0, hdf, pwf, osf, 0].join(","),
    );
  }
  return `${AI4I_HEADER}\n${lines.join("\n")}\n`;
}

describe("replay of tabular recordings, one payload per line", () => {
  it("predicts every AI4I reading exactly as eval does, each window closed by the next reading or the end", async () => {
    const records = parseAi4iCsv(ai4iRows(300, 11), "rows.csv");
    const csvDir = tempDir({ "rows.csv": formatAi4iCsv(records) });
    const jsonl = records.map((r, i) => JSON.stringify({ ts: T0 + i * 1000, ...ai4iReading(r) })).join("\n");
    const lines = tempDir({ "mill.jsonl": `${jsonl}\n` });
    try {
      const asset = assetOf("plant1/mill-1");
      const model = await loadModel(asset.modelDir);
      const result = await replay(asset, model, readRecording(lines.path("mill.jsonl"), asset, 0), {
        keepPredictions: true,
      }).finally(() => releaseModel(model));
      expect(result.windows).toBe(records.length);
      expect(result.discarded).toEqual({});
      expect(result.windowStats).toMatchObject({ droppedSparse: 0, late: 0 });
      const labels = [...FAILURE_MODE_LABELS];
      const confusion = labels.map(() => labels.map(() => 0));
      result.predictionLog!.forEach((p, i) => {
        confusion[labels.indexOf(failureModeOf(records[i]!))]![p.classIndex]! += 1;
      });
      const m = await evaluateModel(model.dir, csvDir.path("rows.csv"));
      expect("confusion" in m && m.confusion).toEqual(confusion);
      // The rows are not all normal: the replay raised advice for the rule-driven failures.
      expect(result.timeline.some((a) => a.transition === "raise")).toBe(true);
    } finally {
      csvDir.cleanup();
      lines.cleanup();
    }
  });

  it("cuts a C-MAPSS recording into 30-cycle windows whose RUL equals the model on the training windows", async () => {
    // 95 cycles of one engine, sensors drifting with wear: windows of cycles 1-30, 31-60, 61-90;
    // the last 5 cycles are fewer than minReadings (28) and are dropped at the end of the input.
    const rand = mulberry32(3);
    const rows = Array.from({ length: 95 }, (_, c) => {
      const wear = c / 95;
      const sensors = Array.from({ length: 21 }, (__, j) => (500 + 10 * j) * (1 + 0.004 * wear) + rand());
      return [1, c + 1, 0, 0, 100, ...sensors.map((v) => v.toFixed(3))].join(" ");
    });
    const [engine] = parseCmapssText(`${rows.join("\n")}\n`, "engine.txt");
    const jsonl = Array.from({ length: engine!.nCycles }, (_, i) => {
      const msg: Record<string, number> = { ts: T0 + i * 1000, cycle: i + 1 };
      for (const s of CMAPSS_INFORMATIVE_SENSORS) msg[s] = engine!.columns[s]![i]!;
      return JSON.stringify(msg);
    });
    const lines = tempDir({ "engine.jsonl": `${jsonl.join("\n")}\n` });
    try {
      const asset = assetOf("plant1/engine-1");
      const model = await loadModel(asset.modelDir);
      try {
        const result = await replay(asset, model, readRecording(lines.path("engine.jsonl"), asset, 0), {
          keepPredictions: true,
        });
        expect(result.windows).toBe(3);
        expect(result.windowStats.droppedSparse).toBe(1);
        const m = model.manifest;
        const expected = await runModel(
          model,
          featureMatrix(
            {
              features: m.input.features,
              primaryChannel: "cycle",
              sampleRateHz: Number.NaN,
              windowSamples: 30,
              params: {},
            },
            [29, 59, 89].map((last) => cmapssWindow(engine!, last, 30)),
          ),
        );
        expect(result.predictionLog!.map((p) => p.value)).toEqual(Array.from(expected));
        expect(result.values).toEqual({
          first: expected[0],
          last: expected[2],
          min: Math.min(...expected),
          max: Math.max(...expected),
        });
      } finally {
        await releaseModel(model);
      }
    } finally {
      lines.cleanup();
    }
  });

  it.each([
    [T0 + 25_000, 0, "2026-11-28T06:00:25.000Z"],
    [2_500, 0, "+     2.50 s"],
    [12_000, 2_000, "+    10.00 s"],
  ])("prints an advice at %d ms (start %d) as %s", (ts, start, text) => {
    expect(formatWhen(ts, start)).toBe(text);
  });
});
