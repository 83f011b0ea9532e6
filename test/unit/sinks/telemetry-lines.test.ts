import { describe, expect, it } from "vitest";
import { TelemetryLines } from "../../../src/sinks/telemetry-lines.js";
import type { PointContext } from "../../../src/sinks/telemetry-sink.js";
import type { Advice, Prediction } from "../../../src/types.js";

const ctx: PointContext = {
  asset: { site: "plant 1", asset: "pump-2", key: "plant 1/pump-2" },
  profile: "cwru-6205-de",
  model: "bearing-vibration",
  modelVersion: "1.0.0",
};
const TAGS = "asset=pump-2,model=bearing-vibration,model_version=1.0.0,profile=cwru-6205-de,site=plant\\ 1";

function prediction(over: Partial<Prediction> = {}): Prediction {
  return {
    model: "bearing-vibration",
    modelVersion: "1.0.0",
    tsMs: 1732862400123,
    classIndex: 2,
    className: "outer_race",
    confidence: 0.93,
    probabilities: new Float32Array([0.02, 0.05, 0.93]),
    value: Number.NaN,
    ...over,
  };
}

describe("telemetry lines", () => {
  it("writes one features line per window with a float field per feature, at the window's time in ms", () => {
    const lines = new TelemetryLines();
    const values = new Float32Array([0.1, 3, Number.NaN, 1e-7]);
    expect(lines.features(ctx, 1732862400123, ["rms", "kurtosis", "crest", "env bpfo"], values)).toBe(
      `features,${TAGS} rms=0.1,kurtosis=3,env\\ bpfo=1e-7 1732862400123`,
    );
  });

  it("writes nothing for a window whose features are all non-finite", () => {
    expect(new TelemetryLines().features(ctx, 1, ["rms"], new Float32Array([Number.NaN]))).toBeNull();
  });

  it.each([
    [
      "a classifier",
      prediction(),
      `predictions,${TAGS} class="outer_race",class_index=2i,confidence=0.93 1732862400123`,
    ],
    [
      "a regressor",
      prediction({ className: "warning", classIndex: 1, confidence: 1, value: 42.5 }),
      `predictions,${TAGS} class="warning",class_index=1i,confidence=1,value=42.5 1732862400123`,
    ],
  ])("writes the prediction of %s with class, class index, confidence and value", (_n, p, line) => {
    expect(new TelemetryLines().prediction(ctx, p)).toBe(line);
  });

  it("writes a probability that came from a float32 in its short form, not with 17 digits", () => {
    const p = prediction({ confidence: Math.fround(0.93) });
    expect(new TelemetryLines().prediction(ctx, p)).toContain("confidence=0.93 ");
  });

  it("writes an advice change at its window's time with fault, severity, episode and action", () => {
    const a: Advice = {
      site: "plant 1",
      asset: "pump-2",
      model: "bearing-vibration",
      modelVersion: "1.0.0",
      fault: "outer_race",
      severity: "warning",
      confidence: 0.9,
      action: 'Plan a "bearing" replacement.\nSoon.',
      windowTsMs: 1732862400123,
      changedAtMs: 1732862400500,
      episodeId: "pump-2-1732862400500",
      previousFault: null,
      previousSeverity: null,
      transition: "raise",
      value: Number.NaN,
    };
    expect(new TelemetryLines().advice(ctx, a)).toBe(
      `advice,${TAGS} fault="outer_race",severity="warning",severity_rank=2i,confidence=0.9,transition="raise",` +
        `episode_id="pump-2-1732862400500",action="Plan a \\"bearing\\" replacement. Soon.",changed_at_ms=1732862400500i 1732862400123`,
    );
  });

  it("writes the agent's metrics tagged with the agent id", () => {
    expect(new TelemetryLines().agent("line3-pi", 5, { spool_points: 12, bad: Number.NaN })).toBe(
      "edge_agent,agent=line3-pi spool_points=12 5",
    );
  });
});
