import { describe, expect, it } from "vitest";
import type { CwruRecording } from "../../../src/datasets/cwru-manifest.js";
import { signalWindows } from "../../../src/datasets/cwru-windows.js";
import { ALL_DATA_FOLD, crossSizeFolds, foldData, foldTestSet } from "../../../src/training/bearing-folds.js";
import type { FeatureRows, RecordingSignal } from "../../../src/training/bearing-windows.js";
import { windowStarts } from "../../../src/training/bearing-windows.js";

const LABELS = ["normal", "inner_race", "outer_race", "ball"];
const SPLIT = {
  windowSamples: 256,
  hopSamples: 128,
  normalTrainHopSamples: 64,
  innerValShare: 0.2,
  normalLabel: "normal",
};

function recording(index: number, label: string, size: number | null, length: number): RecordingSignal {
  const rec: CwruRecording = {
    file: `r${index}.f32`,
    label,
    faultSizeIn: size,
    orPositionOclock: null,
    loadHp: 0,
    rpm: 1797,
    sampleRateHz: 12000,
    sampleCount: length,
    sha256: null,
    units: "g",
  };
  const samples = Float32Array.from(
    { length },
    (_, i) => Math.sin(i * 0.9 + index) + 0.1 * Math.sin(i * 0.013),
  );
  return { index, rec, samples };
}

const signals = [
  recording(0, "normal", null, 4000),
  recording(1, "inner_race", 0.007, 2000),
  recording(2, "inner_race", 0.021, 2000),
  recording(3, "ball", 0.007, 2000),
  recording(4, "ball", 0.021, 2000),
];

/** [first sample, end) of every window of a recording in a set of rows. */
function spans(rows: FeatureRows, recordingIndex: number): [number, number][] {
  return rows.info
    .filter((i) => i.recording === recordingIndex)
    .map((i) => [i.start, i.start + SPLIT.windowSamples]);
}

describe("windowStarts", () => {
  it("keeps every window inside [from, to)", () => {
    expect(windowStarts(1000, { windowSamples: 256, hopSamples: 128, from: 100, to: 700 })).toEqual([
      100, 228, 356,
    ]);
  });
});

describe("cross-size folds", () => {
  const [first, second] = crossSizeFolds([0.007, 0.021]).map((f) =>
    foldData(signals, f, ["kurtosis"], {}, LABELS, SPLIT),
  );

  it("train on one fault size and test only on the other", () => {
    const sizes = (rows: FeatureRows) =>
      new Set(rows.info.filter((i) => i.label !== 0).map((i) => i.faultSizeIn));
    expect(sizes(first!.train)).toEqual(new Set([0.007]));
    expect(sizes(first!.val)).toEqual(new Set([0.007]));
    expect(sizes(first!.test!)).toEqual(new Set([0.021]));
    expect(sizes(second!.train)).toEqual(new Set([0.021]));
    expect(sizes(second!.test!)).toEqual(new Set([0.007]));
  });

  it("split the healthy recording into time blocks that no window crosses", () => {
    for (const fold of [first!, second!]) {
      const train = [...spans(fold.train, 0), ...spans(fold.val, 0)];
      const test = spans(fold.test!, 0);
      expect(train.length).toBeGreaterThan(0);
      expect(test.length).toBeGreaterThan(0);
      for (const [a0, a1] of train) for (const [b0, b1] of test) expect(a1 <= b0 || b1 <= a0).toBe(true);
    }
    expect(Math.max(...spans(first!.train, 0).map((s) => s[1]))).toBeLessThanOrEqual(2000);
    expect(Math.min(...spans(first!.test!, 0).map((s) => s[0]))).toBeGreaterThanOrEqual(2000);
  });

  it("validate on the end of each training recording, after its training windows", () => {
    for (const r of [1, 3]) {
      const lastTrain = Math.max(...spans(first!.train, r).map((s) => s[1]));
      const firstVal = Math.min(...spans(first!.val, r).map((s) => s[0]));
      expect(lastTrain).toBeLessThanOrEqual(firstVal);
      expect(firstVal).toBeGreaterThanOrEqual(0.8 * 2000 - 1);
    }
  });

  it("cut healthy training windows with the denser hop", () => {
    const starts = first!.train.info.filter((i) => i.label === 0).map((i) => i.start);
    expect(starts[1]! - starts[0]!).toBe(SPLIT.normalTrainHopSamples);
  });

  it("state their test set as eval options that cut exactly the test windows", () => {
    crossSizeFolds([0.007, 0.021]).forEach((spec, f) => {
      const fold = [first!, second!][f]!;
      const set = foldTestSet(signals, spec, SPLIT);
      expect(set.faultSizesIn).toEqual(spec.testSizes);
      expect(Object.keys(set.recordingRanges)).toEqual(["r0.f32"]);
      // What evaluate-cwru cuts with these options: recordings of the held-out size or without
      // a size, each whole or inside its range, every hopSamples.
      const evalStarts = signals.flatMap((s) => {
        if (s.rec.faultSizeIn !== null && !set.faultSizesIn.includes(s.rec.faultSizeIn)) return [];
        const range = set.recordingRanges[s.rec.file];
        return signalWindows(s.samples, {
          windowSamples: SPLIT.windowSamples,
          hopSamples: set.hopSamples,
          sampleRateHz: 12000,
          channel: "vibration",
          ...(range !== undefined ? { from: range[0], to: range[1] } : {}),
        }).map((w) => `${s.index}@${Math.round((w.t0Ms * 12000) / 1000)}`);
      });
      expect(evalStarts).toEqual(fold.test!.info.map((i) => `${i.recording}@${i.start}`));
    });
  });

  it("for the shipped model, train on every recording and test on none", () => {
    const all = foldData(signals, ALL_DATA_FOLD, ["kurtosis"], {}, LABELS, SPLIT);
    expect(all.test).toBeNull();
    expect(new Set(all.train.info.map((i) => i.recording))).toEqual(new Set([0, 1, 2, 3, 4]));
  });
});
