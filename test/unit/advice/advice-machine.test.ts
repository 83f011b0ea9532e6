import { describe, expect, it } from "vitest";
import { AdviceMachine } from "../../../src/advice/advice-machine.js";
import { adviceSchema } from "../../../src/config/profile-schema.js";
import type { Advice, Prediction } from "../../../src/types.js";

const LABELS = ["normal", "inner_race", "outer_race"];

function machine(over: Record<string, unknown> = {}) {
  const advice = adviceSchema.parse({
    debounce: { k: 3, n: 5 },
    enterProbability: 0.6,
    exitProbability: 0.4,
    minHoldMs: 1000,
    cooldownMs: 10_000,
    classes: {
      normal: { severity: "ok" },
      inner_race: { severity: "alarm", action: "stop" },
      outer_race: { severity: "warning", action: "plan replacement" },
    },
    ...over,
  });
  return new AdviceMachine({
    site: "s1",
    asset: "a1",
    model: "m",
    modelVersion: "1",
    advice,
    labels: LABELS,
  });
}

/** A prediction whose most probable class is `cls` with probability `p` (the rest shared). */
function pred(cls: string, p: number, tsMs: number): Prediction {
  const probs = new Float32Array(LABELS.length).fill((1 - p) / (LABELS.length - 1));
  const i = LABELS.indexOf(cls);
  probs[i] = p;
  return {
    model: "m",
    modelVersion: "1",
    tsMs,
    classIndex: i,
    className: cls,
    confidence: p,
    probabilities: probs,
    value: Number.NaN,
  };
}

/** Runs a script of [class, probability] one window per 100 ms; returns [window index, transition, fault]. */
function run(m: AdviceMachine, script: [string, number][], startMs = 0): [number, string, string][] {
  const out: [number, string, string][] = [];
  script.forEach(([c, p], i) => {
    const t = startMs + i * 100;
    const a: Advice | null = m.update(pred(c, p, t), t);
    if (a) out.push([i, a.transition, a.fault]);
  });
  return out;
}

const rep = (c: string, p: number, n: number): [string, number][] => Array.from({ length: n }, () => [c, p]);

describe("AdviceMachine", () => {
  it.each([
    {
      name: "raises a fault after k of n agreeing windows",
      script: rep("outer_race", 0.9, 5),
      want: [[2, "raise", "outer_race"]],
    },
    {
      name: "ignores a single spike",
      script: [...rep("normal", 0.9, 3), ["outer_race", 0.95], ...rep("normal", 0.9, 6)] as [
        string,
        number,
      ][],
      want: [],
    },
    { name: "does not act on low-confidence windows", script: rep("outer_race", 0.55, 10), want: [] },
    {
      name: "counts k of n, not k in a row",
      script: [
        ["outer_race", 0.9],
        ["normal", 0.9],
        ["outer_race", 0.9],
        ["normal", 0.9],
        ["outer_race", 0.9],
      ] as [string, number][],
      want: [[4, "raise", "outer_race"]],
    },
  ])("$name", ({ script, want }) => {
    expect(run(machine(), script)).toEqual(want);
  });

  it("holds a fault while its probability stays above the exit threshold (hysteresis)", () => {
    const m = machine();
    // Raised at window 2; afterwards normal is predicted (0.5) while outer_race keeps 0.45 ≥ exit 0.4.
    const script = rep("outer_race", 0.9, 5);
    expect(run(m, script)).toEqual([[2, "raise", "outer_race"]]);
    const probs = new Float32Array([0.5, 0.05, 0.45]);
    for (let i = 0; i < 20; i++) {
      const t = 10_000 + i * 100;
      const a = m.update(
        {
          model: "m",
          modelVersion: "1",
          tsMs: t,
          classIndex: 0,
          className: "normal",
          confidence: 0.5,
          probabilities: probs,
          value: Number.NaN,
        },
        t,
      );
      expect(a).toBeNull();
    }
    expect(m.current.fault).toBe("outer_race");
  });

  it("keeps the advice for the minimum hold even when the evidence turns", () => {
    const m = machine({ minHoldMs: 5000 });
    const script = [...rep("outer_race", 0.9, 3), ...rep("normal", 0.95, 60)];
    // Raised at window 2 (t=200 ms); recovery needs 5 s of hold: first window at ≥ 5200 ms with 3 votes → index 52.
    expect(run(m, script)).toEqual([
      [2, "raise", "outer_race"],
      [52, "recover", "normal"],
    ]);
  });

  it("escalates within one episode and recovers with the same episode id", () => {
    const m = machine({ minHoldMs: 0 });
    const advices: Advice[] = [];
    const script = [...rep("outer_race", 0.9, 3), ...rep("inner_race", 0.9, 5), ...rep("normal", 0.9, 5)];
    script.forEach(([c, p], i) => {
      const a = m.update(pred(c, p, i * 100), i * 100);
      if (a) advices.push(a);
    });
    expect(advices.map((a) => a.transition)).toEqual(["raise", "escalate", "recover"]);
    expect(new Set(advices.map((a) => a.episodeId)).size).toBe(1);
    expect(advices[1]).toMatchObject({ previousFault: "outer_race", severity: "alarm", action: "stop" });
    expect(advices[2]).toMatchObject({ fault: "normal", severity: "ok" });
  });

  it("does not raise a cleared fault again during its cooldown", () => {
    const m = machine({ minHoldMs: 0, cooldownMs: 3000 });
    const script = [...rep("outer_race", 0.9, 3), ...rep("normal", 0.9, 3), ...rep("outer_race", 0.9, 40)];
    // raise at 2, recover at 5 (t=500) → cooldown until 3500 ms: the re-raise comes at window 35.
    expect(run(m, script)).toEqual([
      [2, "raise", "outer_race"],
      [5, "recover", "normal"],
      [35, "raise", "outer_race"],
    ]);
  });

  it("opens a new episode for a new fault after recovery", () => {
    const m = machine({ minHoldMs: 0, cooldownMs: 0 });
    const ids: string[] = [];
    [...rep("outer_race", 0.9, 3), ...rep("normal", 0.9, 3), ...rep("outer_race", 0.9, 3)].forEach(
      ([c, p], i) => {
        const a = m.update(pred(c, p, i * 100), i * 100);
        if (a?.transition === "raise") ids.push(a.episodeId);
      },
    );
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it("uses a class's own debounce when it has one", () => {
    const m = machine({
      classes: {
        normal: { severity: "ok" },
        inner_race: { severity: "alarm", debounce: { k: 1, n: 1 } },
        outer_race: { severity: "warning" },
      },
    });
    expect(run(m, [["inner_race", 0.9]])).toEqual([[0, "raise", "inner_race"]]);
  });

  it("reports the mean probability of the agreeing windows as confidence", () => {
    const m = machine();
    let got: Advice | null = null;
    [0.7, 0.8, 0.9].forEach((p, i) => {
      got = m.update(pred("outer_race", p, i * 100), i * 100) ?? got;
    });
    expect(got!.confidence).toBeCloseTo(0.8, 5);
  });
});
