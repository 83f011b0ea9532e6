import { describe, expect, it } from "vitest";
import { LivenessCheck, type LivenessSnapshot } from "../../../src/ops/liveness.js";

const model = (waiting: number, done: number) => ({ key: "/m/step", name: "step", waiting, done });

/** Runs snapshots through one check and returns whether each was alive. */
function run(steps: readonly Partial<LivenessSnapshot>[]): boolean[] {
  const check = new LivenessCheck({ inferenceStallMs: 1000, reconnectStallMs: 5000 });
  return steps.map(
    (s) => check.check({ nowMs: s.nowMs ?? 0, models: s.models ?? [], mqtt: s.mqtt ?? null }).alive,
  );
}

describe("the watchdog's liveness check", () => {
  it.each([
    [
      "an idle model is alive however long it idles",
      [
        { nowMs: 0, models: [model(0, 5)] },
        { nowMs: 60_000, models: [model(0, 5)] },
      ],
      [true, true],
    ],
    [
      "a model finishing batches with rows waiting is alive",
      [
        { nowMs: 0, models: [model(10, 1)] },
        { nowMs: 900, models: [model(10, 2)] },
        { nowMs: 1800, models: [model(10, 3)] },
      ],
      [true, true, true],
    ],
    [
      "rows waiting with no batch finished for the stall bound is wedged",
      [
        { nowMs: 0, models: [model(3, 7)] },
        { nowMs: 999, models: [model(4, 7)] },
        { nowMs: 1000, models: [model(9, 7)] },
      ],
      [true, true, false],
    ],
    [
      "a wedged model that finishes a batch is alive again",
      [
        { nowMs: 0, models: [model(3, 7)] },
        { nowMs: 2000, models: [model(3, 7)] },
        { nowMs: 2100, models: [model(3, 8)] },
      ],
      [true, false, true],
    ],
    [
      "a broker that is down while reconnect attempts go on is alive",
      [
        { nowMs: 0, mqtt: { connected: false, attempts: 1 } },
        { nowMs: 4000, mqtt: { connected: false, attempts: 2 } },
        { nowMs: 8000, mqtt: { connected: false, attempts: 3 } },
      ],
      [true, true, true],
    ],
    [
      "disconnected with no attempt for the reconnect bound is wedged",
      [
        { nowMs: 0, mqtt: { connected: false, attempts: 4 } },
        { nowMs: 5000, mqtt: { connected: false, attempts: 4 } },
      ],
      [true, false],
    ],
    [
      "connected is alive without attempts",
      [
        { nowMs: 0, mqtt: { connected: true, attempts: 1 } },
        { nowMs: 60_000, mqtt: { connected: true, attempts: 1 } },
      ],
      [true, true],
    ],
  ] as const)("%s", (_name, steps, expected) => {
    expect(run(steps)).toEqual(expected);
  });

  it("names the wedged model and how long it has been stuck", () => {
    const check = new LivenessCheck({ inferenceStallMs: 1000, reconnectStallMs: 5000 });
    check.check({ nowMs: 0, models: [model(3, 7)], mqtt: null });
    const l = check.check({ nowMs: 4200, models: [model(12, 7)], mqtt: null });
    expect(l).toEqual({
      alive: false,
      reasons: ["model step: 12 window(s) waiting, no batch finished for 4 s"],
      stalledModels: ["/m/step"],
    });
  });
});
