import { describe, expect, it } from "vitest";
import type { Window } from "../../../src/types.js";
import { createWindower, type Windower } from "../../../src/windows/create-windower.js";
import { reading, windowingProfile } from "./readings.js";

/** Two scalar channels, 1 s periods, at least 2 readings each, a gap after 500 ms of silence. */
const profile = windowingProfile(
  { type: "time", durationMs: 1000, minReadings: 2, gapToleranceMs: 500 },
  { temp: {}, rpm: {} },
  { type: "json-scalar" },
);

const T = 1_700_000_000_000; // a period boundary
type Step = readonly ["push", number, string, number] | readonly ["flush", number];

function run(w: Windower, steps: readonly Step[]): Window[] {
  return steps.flatMap((s) =>
    s[0] === "push" ? w.push(reading(T + s[1], [s[3]], Number.NaN, s[2])) : w.flush(T + s[1]),
  );
}

const brief = (w: Window) => ({
  t0: w.t0Ms - T,
  ts: w.tsMs - T,
  channel: w.channel,
  rate: w.sampleRateHz,
  temp: Array.from(w.channels.temp ?? []),
  rpm: Array.from(w.channels.rpm ?? []),
});

const FULL: Step[] = [
  ["push", 100, "temp", 20],
  ["push", 100, "rpm", 1500],
  ["push", 350, "temp", 21],
  ["push", 350, "rpm", 1510],
  ["push", 600, "temp", 22],
];

describe("time windows", () => {
  it.each([
    {
      name: "a reading after the period's end closes it into a window with every channel",
      steps: [...FULL, ["push", 1050, "temp", 23]] as Step[],
      windows: [
        { t0: 100, ts: 1050, channel: "temp", rate: Number.NaN, temp: [20, 21, 22], rpm: [1500, 1510] },
      ],
      stats: {},
    },
    {
      name: "flush closes the period by time, at its end and not before",
      steps: [...FULL, ["flush", 999], ["flush", 1000], ["flush", 5000]] as Step[],
      windows: [
        { t0: 100, ts: 1000, channel: "temp", rate: Number.NaN, temp: [20, 21, 22], rpm: [1500, 1510] },
      ],
      stats: {},
    },
    {
      name: "a period with too few readings of one channel is dropped as sparse",
      steps: [
        ["push", 100, "temp", 20],
        ["push", 150, "rpm", 1],
        ["push", 400, "temp", 21],
        ["flush", 1000],
      ] as Step[],
      windows: [],
      stats: { droppedSparse: 1 },
    },
    {
      name: "a reading for a closed period is late and dropped",
      steps: [...FULL, ["flush", 1000], ["push", 900, "rpm", 1], ["push", 1100, "rpm", 2]] as Step[],
      windows: [
        { t0: 100, ts: 1000, channel: "temp", rate: Number.NaN, temp: [20, 21, 22], rpm: [1500, 1510] },
      ],
      stats: { late: 1 },
    },
    {
      name: "a reading for a period skipped over is late too",
      steps: [...FULL, ["push", 3100, "temp", 1], ["push", 2500, "temp", 2]] as Step[],
      windows: [
        { t0: 100, ts: 3100, channel: "temp", rate: Number.NaN, temp: [20, 21, 22], rpm: [1500, 1510] },
      ],
      stats: { late: 1, gaps: 1 },
    },
    {
      name: "silence longer than gapToleranceMs counts a gap, and the window still closes",
      steps: [
        ["push", 0, "temp", 1],
        ["push", 0, "rpm", 1],
        ["push", 600, "temp", 2],
        ["push", 600, "rpm", 2],
        ["flush", 1000],
      ] as Step[],
      windows: [{ t0: 0, ts: 1000, channel: "temp", rate: Number.NaN, temp: [1, 2], rpm: [1, 2] }],
      stats: { gaps: 1 },
    },
    {
      name: "readings of channels the profile does not have are ignored",
      steps: [
        ["push", 100, "temp", 1],
        ["push", 100, "other", 9],
        ["push", 200, "temp", 2],
        ["flush", 1000],
      ] as Step[],
      windows: [],
      stats: { droppedSparse: 1 },
    },
  ])("$name", ({ steps, windows, stats }) => {
    const w = createWindower(profile);
    expect(run(w, steps).map(brief)).toEqual(windows);
    expect(w.stats).toEqual({ gaps: 0, rateMismatches: 0, droppedSparse: 0, late: 0, ...stats });
  });

  it("aligns periods to multiples of the duration, whatever the first reading's time", () => {
    const w = createWindower(profile);
    const got = run(w, [
      ["push", 1999, "temp", 1],
      ["push", 1999, "rpm", 1],
      ["push", 1999.5, "temp", 2],
      ["push", 1999.5, "rpm", 2],
      ["push", 2000, "temp", 3],
    ]);
    expect(got.map(brief)).toEqual([
      { t0: 1999, ts: 2000, channel: "temp", rate: Number.NaN, temp: [1, 2], rpm: [1, 2] },
    ]);
  });

  it("reuses nothing a window holds when the next period fills", () => {
    const w = createWindower(profile);
    const [first] = run(w, [...FULL, ["flush", 1000]]);
    run(w, [
      ["push", 1100, "temp", 7],
      ["push", 1100, "rpm", 7],
      ["push", 1200, "temp", 7],
      ["push", 1200, "rpm", 7],
      ["flush", 2000],
    ]);
    expect(first && brief(first)).toMatchObject({ temp: [20, 21, 22], rpm: [1500, 1510] });
  });

  it("forgets the open period and the closed ones on reset", () => {
    const w = createWindower(profile);
    run(w, [...FULL, ["flush", 1000]]);
    w.reset();
    expect(run(w, [["push", 900, "temp", 1]])).toEqual([]);
    expect(w.stats.late).toBe(0);
    expect(w.flush(T + 5000)).toEqual([]);
    expect(w.stats.droppedSparse).toBe(1);
  });
});
