import type { ResolvedAsset } from "../../../src/config/load-config.js";
import { profileSchema } from "../../../src/config/profile-schema.js";
import type { Manifest } from "../../../src/inference/manifest-schema.js";
import type { AssetQuality, AssetQualityHost, LoopEvent } from "../../../src/quality/asset-quality.js";
import type { Window } from "../../../src/types.js";

/** A resolved asset from a profile object (validated by the real schema). */
export function assetOf(profile: Record<string, unknown>, asset = "a1"): ResolvedAsset {
  return {
    ref: { site: "s1", asset, key: `s1/${asset}` },
    profileName: "test",
    profileFile: "/dev/null",
    profile: profileSchema.parse(profile),
    modelDir: "/nonexistent",
  };
}

/** A vibration profile: blocks of `samples` at `rateHz`, extra sections merged in. */
export function vibrationProfile(extra: Record<string, unknown> = {}, samples = 2048, rateHz = 12000) {
  return {
    transport: { type: "mqtt" },
    codec: { type: "json-block" },
    channels: { vibration: { unit: "g", sampleRateHz: rateHz } },
    windowing: { type: "block", samples },
    model: { name: "m", params: { shaftRpm: 1797 } },
    advice: {
      minHoldMs: 0,
      cooldownMs: 0,
      classes: { normal: { severity: "ok" }, fault: { severity: "alarm" } },
    },
    ...extra,
  };
}

export function manifestOf(features: string[], trainingStats?: Record<string, unknown>): Manifest {
  return {
    name: "m",
    version: "1",
    description: "",
    task: "classifier",
    sha256: "0".repeat(64),
    input: { name: "features", features, params: {} },
    output: { name: "probabilities", labels: ["normal", "fault"] },
    provenance: {},
    metrics: {},
    ...(trainingStats === undefined ? {} : { trainingStats }),
  };
}

/** A host that records the events and runs on a clock the test moves. */
export function recordingHost(startMs = 1_700_000_000_000): AssetQualityHost & {
  events: LoopEvent[];
  t: number;
  conditions: () => [string, string][];
} {
  const h = {
    events: [] as LoopEvent[],
    t: startMs,
    now: () => h.t,
    evidenceWindows: 8,
    emit(_q: AssetQuality, e: LoopEvent) {
      h.events.push(e);
    },
    /** [transition, class or condition] of the quality advice so far. */
    conditions(): [string, string][] {
      return h.events.flatMap((e) =>
        e.kind === "advice" && e.source === "quality"
          ? [[e.advice.transition, e.topic.split("/").at(-1)!] as [string, string]]
          : [],
      );
    },
  };
  return h;
}

export function blockWindow(
  samples: Float32Array,
  t0Ms: number,
  rateHz = 12000,
  channel = "vibration",
): Window {
  return {
    channel,
    t0Ms,
    tsMs: t0Ms + (samples.length / rateHz) * 1000,
    sampleRateHz: rateHz,
    channels: { [channel]: samples },
  };
}
