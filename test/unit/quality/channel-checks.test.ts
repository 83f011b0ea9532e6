import { describe, expect, it } from "vitest";
import { AssetQuality } from "../../../src/quality/asset-quality.js";
import { loopMetricFamilies } from "../../../src/quality/loop-metrics.js";
import type { LoopAsset } from "../../../src/quality/quality-loop.js";
import { mulberry32 } from "../../../src/training/prng.js";
import { assetOf, blockWindow, manifestOf, recordingHost, vibrationProfile } from "./fixtures.js";

const N = 2048;
const PERIOD_MS = (N / 12000) * 1000;

function noise(seed: number, scale = 0.1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: N }, () => (r() - 0.5) * 2 * scale);
}

type Signal = (i: number) => Float32Array;
const healthy: Signal = (i) => noise(i + 1);
const flat: Signal = () => new Float32Array(N).fill(0.25);
/** A sine that overdrives a ±1 converter: long runs at the rails. */
const clipped: Signal = (i) =>
  Float32Array.from({ length: N }, (_, k) =>
    Math.max(-1, Math.min(1, 3 * Math.sin((2 * Math.PI * (k + i) * 50) / 12000))),
  );

function run(profileExtra: Record<string, unknown>, signal: Signal, windows: number, jitterMs = 0) {
  const q = new AssetQuality(assetOf(vibrationProfile(profileExtra)), manifestOf(["rms"]), ["rms"], "f");
  const host = recordingHost();
  q.attach(host, []);
  for (let i = 0; i < windows; i++) {
    const t0 = 1_700_000_000_000 + i * PERIOD_MS + (i % 2 === 1 ? jitterMs : 0);
    q.admit(blockWindow(signal(i), t0));
    host.t += PERIOD_MS;
  }
  return { q, host };
}

describe("data-quality checks on synthetic signals", () => {
  it.each([
    ["a healthy noisy signal", healthy, {}, 0, []],
    ["a flatline", flat, {}, 0, [["raise", "flatline"]]],
    [
      "a signal clipped at the range the profile gives",
      clipped,
      { min: -1, max: 1 },
      0,
      [["raise", "clipping"]],
    ],
    ["a signal clipped with no range given (repeated extremes)", clipped, {}, 0, [["raise", "clipping"]]],
    [
      "windows whose start times jitter by 20%",
      healthy,
      {},
      PERIOD_MS * 0.2,
      [["raise", "sample_rate_jitter"]],
    ],
  ] as const)("%s raises %j", (_name, signal, range, jitter, expected) => {
    const extra = {
      channels: { vibration: { unit: "g", sampleRateHz: 12000, ...range } },
      quality: { drift: { enabled: false }, missing: { enabled: false } },
    };
    const { host } = run(extra, signal, 12, jitter);
    expect(host.conditions()).toEqual(expected);
  });

  it("a flatline is raised once after the configured run of flat windows and cleared by good windows", () => {
    const q = new AssetQuality(
      assetOf(vibrationProfile({ quality: { flatline: { windows: 4 }, clearAfter: 2 } })),
      manifestOf(["rms"]),
      ["rms"],
      "f",
    );
    const host = recordingHost();
    q.attach(host, []);
    const script = [
      ...Array(3).fill(flat),
      ...Array(2).fill(healthy),
      ...Array(6).fill(flat),
      ...Array(3).fill(healthy),
    ];
    const at: [number, string][] = [];
    script.forEach((s: Signal, i) => {
      const before = host.events.length;
      q.admit(blockWindow(s(i), 1_700_000_000_000 + i * PERIOD_MS));
      for (const e of host.events.slice(before)) if (e.kind === "advice") at.push([i, e.advice.transition]);
    });
    // Flat windows 5-10: the 4th in a row (index 8) raises; the 2nd good one after (index 12) clears.
    expect(at).toEqual([
      [8, "raise"],
      [12, "recover"],
    ]);
    const raise = host.events.find((e) => e.kind === "advice");
    expect(raise?.kind === "advice" && JSON.parse(raise.payload)).toMatchObject({
      condition: "flatline",
      class: "flatline",
      severity: "info",
      detail: { channels: ["vibration"] },
    });
    expect(q.trackers.flatline?.counts).toEqual({ bad: 3, raised: 1 });
  });

  it("no data for longer than expected raises missing_data, and the next window clears it", () => {
    const q = new AssetQuality(
      assetOf(vibrationProfile({ quality: { missing: { afterMs: 5000 } } })),
      manifestOf(["rms"]),
      ["rms"],
      "f",
    );
    const host = recordingHost();
    q.attach(host, []);
    q.admit(blockWindow(healthy(0), host.t));
    for (let s = 0; s < 10; s++) {
      host.t += 1000;
      q.tick(host.t);
    }
    expect(host.conditions()).toEqual([["raise", "missing_data"]]);
    q.admit(blockWindow(healthy(1), host.t));
    expect(host.conditions()).toEqual([
      ["raise", "missing_data"],
      ["recover", "missing_data"],
    ]);
  });

  it("a time window whose channel reports at half its rate is jitter; one at its rate is not", () => {
    const profile = {
      transport: { type: "mqtt" },
      codec: { type: "json-scalar" },
      channels: { temp: { sampleRateHz: 1 }, current: { sampleRateHz: 1 } },
      windowing: { type: "time", durationMs: 10_000 },
      model: { name: "m" },
      advice: { classes: { normal: { severity: "ok" } } },
      quality: { jitter: { windows: 2 }, drift: { enabled: false } },
    };
    const q = new AssetQuality(assetOf(profile), manifestOf(["s_mean@temp"]), ["s_mean@temp"], "f");
    const host = recordingHost();
    q.attach(host, []);
    const win = (i: number, currentReadings: number) => ({
      channel: "temp",
      t0Ms: i * 10_000,
      tsMs: (i + 1) * 10_000,
      sampleRateHz: 1,
      channels: {
        temp: Float32Array.from({ length: 10 }, (_, k) => 20 + k * 0.1),
        current: Float32Array.from({ length: currentReadings }, (_, k) => 3 + k * 0.01),
      },
    });
    for (let i = 0; i < 3; i++) q.admit(win(i, 10));
    expect(host.conditions()).toEqual([]);
    for (let i = 3; i < 5; i++) q.admit(win(i, 5));
    expect(host.conditions()).toEqual([["raise", "sample_rate_jitter"]]);
  });
});

describe("the loop's metrics", () => {
  it("report a raised condition and the gated windows per asset", () => {
    const { q } = run({ quality: { drift: { enabled: false } } }, flat, 5);
    const asset = { ref: { site: "s1", asset: "a1", key: "s1/a1" }, quality: q } as unknown as LoopAsset;
    const byName = Object.fromEntries(loopMetricFamilies().map((f) => [f.name, f.samples([asset])]));
    expect(byName.edge_agent_quality_condition_active).toContainEqual([
      { site: "s1", asset: "a1", condition: "flatline" },
      1,
    ]);
    expect(byName.edge_agent_quality_condition_active).toContainEqual([
      { site: "s1", asset: "a1", condition: "clipping" },
      0,
    ]);
    expect(byName.edge_agent_gated_windows_total).toContainEqual([
      { site: "s1", asset: "a1", reason: "stopped" },
      0,
    ]);
    expect(byName.edge_agent_operating_running).toEqual([[{ site: "s1", asset: "a1" }, 1]]);
  });
});
