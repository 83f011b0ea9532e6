import { describe, expect, it } from "vitest";
import { OperatingGate, parseMaintenance } from "../../../src/advice/gating.js";
import { profileSchema } from "../../../src/config/profile-schema.js";
import { runningSchema } from "../../../src/config/quality-schema.js";
import type { Window } from "../../../src/types.js";

const T0 = Date.parse("2025-03-01T08:00:00Z");

function win(current: number): Window {
  return {
    channel: "current",
    t0Ms: 0,
    tsMs: 0,
    sampleRateHz: 1,
    channels: { current: Float32Array.of(current, current) },
  };
}

describe("operating-state gating", () => {
  it("admits windows only while the running channel is above its threshold, with hysteresis", () => {
    const gate = new OperatingGate(
      "s1/a1",
      runningSchema.parse({ channel: "current", above: 2, stopBelow: 1 }),
      [],
    );
    const seen: string[] = [];
    gate.onChange((s) => seen.push(`${s.state}: ${s.reason}`));
    const admitted = [0.5, 2.5, 1.5, 1.2, 0.8, 1.5, 2.1].map((c, i) => gate.admit(win(c), T0 + i));
    expect(admitted).toEqual([false, true, true, true, false, false, true]);
    expect(seen).toEqual([
      "stopped: current mean 0.5 ≤ 1",
      "running: current mean 2.5 > 2",
      "stopped: current mean 0.8 ≤ 1",
      "running: current mean 2.1 > 2",
    ]);
    expect(gate.counts).toMatchObject({ admitted: 4, stopped: 3 });
  });

  it("without a running rule, always admits (and a window lacking the running channel fails open)", () => {
    expect(new OperatingGate("s1/a1", undefined, []).admit(win(0), T0)).toBe(true);
    const gate = new OperatingGate("s1/a1", runningSchema.parse({ channel: "rpm", above: 100 }), []);
    expect(gate.admit(win(0), T0)).toBe(true);
    expect(gate.counts.noRunningChannel).toBe(1);
  });

  it("a retained maintenance message holds every window until it expires, whatever the running state", () => {
    const gate = new OperatingGate("s1/a1", runningSchema.parse({ channel: "current", above: 2 }), []);
    const m = parseMaintenance(
      JSON.stringify({ active: true, until: new Date(T0 + 60_000).toISOString(), by: "jo", note: "seal" }),
    );
    if (m === null || typeof m === "string") throw new Error(String(m));
    gate.setMaintenance(m, T0);
    expect(gate.admit(win(5), T0 + 1000)).toBe(false);
    expect(gate.status).toMatchObject({
      state: "maintenance",
      reason: "maintenance until 2025-03-01T08:01:00.000Z (jo): seal",
    });
    gate.tick(T0 + 60_001);
    expect(gate.status.state).toBe("running");
    expect(gate.admit(win(5), T0 + 60_002)).toBe(true);
  });

  it("a maintenance message with active: false ends maintenance at once", () => {
    const gate = new OperatingGate("s1/a1", undefined, []);
    gate.setMaintenance({ active: true }, T0);
    expect(gate.admit(win(5), T0)).toBe(false);
    gate.setMaintenance({ active: false }, T0 + 5);
    expect(gate.admit(win(5), T0 + 6)).toBe(true);
  });

  it.each([
    ["s1/a1", true],
    ["s1/*", true],
    ["s2/a1", false],
    ["s1/a2", false],
  ])("a fleet maintenance window for %s applies to s1/a1: %s", (asset, applies) => {
    const gate = new OperatingGate("s1/a1", undefined, [
      { assets: [asset], from: "2025-03-01T07:00:00Z", until: "2025-03-01T09:00:00Z", note: "overhaul" },
    ]);
    gate.tick(T0);
    expect(gate.admit(win(1), T0)).toBe(!applies);
    gate.tick(T0 + 2 * 3600_000);
    expect(gate.admit(win(1), T0 + 2 * 3600_000)).toBe(true);
  });

  it.each([
    ['{"active": true}', { active: true }],
    ['{"active": false, "until": 1700000000000}', { active: false, untilMs: 1_700_000_000_000 }],
    ["", null],
    ["nope", "not JSON"],
    ['{"active": "yes"}', '"active" must be true or false'],
    ['{"active": true, "until": "tomorrow"}', '"until" must be ms since the epoch or an ISO 8601 time'],
  ])("reads the maintenance payload %s", (payload, expected) => {
    const got = parseMaintenance(payload);
    if (expected === null || typeof expected === "string") expect(got).toEqual(expected);
    else expect(got).toMatchObject(expected);
  });
});

describe("the loop's profile sections", () => {
  const base = {
    transport: { type: "mqtt" },
    codec: { type: "json-block" },
    channels: { vibration: {}, current: {} },
    windowing: { type: "block", samples: 256 },
    model: { name: "m" },
    advice: { classes: { normal: { severity: "ok" } } },
  };
  it.each([
    [{ running: { channel: "rpm", above: 1 } }, ['running.channel: unknown channel "rpm"']],
    [
      { running: { channel: "current", above: 1 } },
      ['running.channel: block windows carry only "vibration": the running rule must read it'],
    ],
    [{ running: { channel: "vibration", statistic: "rms", above: 0.02, stopBelow: 0.01 } }, []],
    [
      { running: { channel: "vibration", above: 1, stopBelow: 2 } },
      ["running.stopBelow: stopBelow must not exceed above"],
    ],
    [{ baseline: { features: ["s_mean@flow"] } }, ['baseline.features[0]: unknown channel "flow"']],
    [
      { quality: { drift: { raisePsi: 0.2, clearPsi: 0.3 } } },
      ["quality.drift.clearPsi: clearPsi must not exceed raisePsi"],
    ],
  ])("%j gives %j", (extra, problems) => {
    // profileSchema runs checkProfileQuality in its own refinement.
    const parsed = profileSchema.safeParse({ ...base, ...extra });
    const got = parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join(".").replace(/\.(\d+)/g, "[$1]")}: ${i.message}`);
    expect(got).toEqual(problems);
  });
});
