import { describe, expect, it } from "vitest";
import { createWindower } from "../../../src/windows/create-windower.js";
import type { Reading } from "../../../src/types.js";
import { brief, range, reading, windowingProfile } from "./readings.js";

/** Four-sample windows at 1000 Hz: one sample per millisecond, 0.5 ms of tolerance. */
const profile = windowingProfile({ type: "block", samples: 4, gapToleranceMs: 0.5 });

interface Case {
  name: string;
  readings: Reading[];
  windows: [number, number, number[]][];
  gaps?: number;
  rateMismatches?: number;
}

const CASES: Case[] = [
  {
    name: "a reading of exactly one window is that window",
    readings: [reading(0, range(1, 4)), reading(4, range(5, 8))],
    windows: [
      [0, 0, range(1, 4)],
      [4, 4, range(5, 8)],
    ],
  },
  {
    name: "two contiguous half readings make one window, dated by the first",
    readings: [reading(0, [1, 2]), reading(2, [3, 4])],
    windows: [[0, 2, range(1, 4)]],
  },
  {
    name: "what is left over after a window starts the next one",
    readings: [reading(0, [1, 2, 3]), reading(3, [4, 5, 6]), reading(6, [7, 8, 9]), reading(9, [10, 11, 12])],
    windows: [
      [0, 3, range(1, 4)],
      [4, 6, range(5, 8)],
      [8, 9, range(9, 12)],
    ],
  },
  {
    name: "a long reading is cut into consecutive windows and its remainder kept",
    readings: [reading(0, range(1, 10)), reading(10, [11, 12])],
    windows: [
      [0, 0, range(1, 4)],
      [4, 0, range(5, 8)],
      [8, 10, range(9, 12)],
    ],
  },
  {
    name: "a late reading counts a gap and drops what was pending",
    readings: [reading(0, [1, 2]), reading(5, [3, 4]), reading(7, [5, 6])],
    windows: [[5, 7, range(3, 6)]],
    gaps: 1,
  },
  {
    name: "an early reading (overlap, or out of order) is a gap too",
    readings: [reading(0, [1, 2]), reading(1, [3, 4]), reading(3, [5, 6])],
    windows: [[1, 3, range(3, 6)]],
    gaps: 1,
  },
  {
    name: "jitter within the tolerance is not a gap",
    readings: [reading(0, [1, 2]), reading(2.4, [3, 4]), reading(4.1, range(5, 8))],
    windows: [
      [0, 2.4, range(1, 4)],
      [4.1, 4.1, range(5, 8)],
    ],
  },
  {
    name: "with one-message windows a gap is counted and nothing is lost",
    readings: [reading(0, range(1, 4)), reading(100, range(5, 8))],
    windows: [
      [0, 0, range(1, 4)],
      [100, 100, range(5, 8)],
    ],
    gaps: 1,
  },
  {
    name: "a rate change counts a mismatch and restarts with the new rate",
    readings: [reading(0, [1, 2], 1000), reading(2, [3, 4], 2000), reading(3, [5, 6], 2000)],
    windows: [[2, 3, range(3, 6)]],
    rateMismatches: 1,
  },
  {
    name: "a reading without a rate is timed with the channel's rate",
    readings: [reading(0, [1, 2]), reading(2, [3, 4], 1000), reading(4, [5, 6])],
    windows: [[0, 2, range(1, 4)]],
  },
  {
    name: "a window that starts inside a reading is dated by its first sample at the reading's rate",
    readings: [reading(0, range(1, 6), 2000), reading(3, range(7, 10), 2000)],
    windows: [
      [0, 0, range(1, 4)],
      [2, 3, range(5, 8)],
    ],
  },
  {
    name: "readings of other channels and empty readings are ignored",
    readings: [
      reading(0, [1, 2]),
      reading(0, [9, 9, 9, 9], 1000, "temp"),
      reading(2, []),
      reading(2, [3, 4]),
    ],
    windows: [[0, 2, range(1, 4)]],
  },
];

describe("block windows", () => {
  it.each(CASES)("$name", (c) => {
    const w = createWindower(profile);
    const got = c.readings.flatMap((r) => w.push(r)).map(brief);
    expect(got).toEqual(c.windows);
    expect(w.stats).toEqual({
      gaps: c.gaps ?? 0,
      rateMismatches: c.rateMismatches ?? 0,
      droppedSparse: 0,
      late: 0,
    });
  });

  it("hands a one-message window the reading's own array, without a copy", () => {
    const r = reading(0, range(1, 4), 1000);
    const [win] = createWindower(profile).push(r);
    expect(win?.channels.accel).toBe(r.samples);
    expect(win).toMatchObject({ channel: "accel", sampleRateHz: 1000 });
  });

  it("never writes into a window it has handed out", () => {
    const w = createWindower(profile);
    const first = w.push(reading(0, [1, 2, 3])).concat(w.push(reading(3, [4, 5, 6])));
    w.push(reading(6, [7, 8, 9, 10, 11, 12]));
    expect(first.map(brief)).toEqual([[0, 3, range(1, 4)]]);
  });

  it("gives windows the channel's rate when readings carry none", () => {
    const [win] = createWindower(profile).push(reading(0, range(1, 4)));
    expect(win?.sampleRateHz).toBe(1000);
  });

  it("checks no continuity when neither the readings nor the profile know the rate", () => {
    const w = createWindower(windowingProfile({ type: "block", samples: 4 }, { accel: {} }));
    const got = [reading(0, [1, 2]), reading(50, [3, 4])].flatMap((r) => w.push(r));
    expect(got.map(brief)).toEqual([[0, 50, range(1, 4)]]);
    expect(got[0]?.sampleRateHz).toBeNaN();
    expect(w.stats.gaps).toBe(0);
  });

  it("drops the pending samples on reset, keeps the stats, and does nothing on flush", () => {
    const w = createWindower(profile);
    w.push(reading(0, [1, 2]));
    w.push(reading(10, [3, 4]));
    w.reset();
    expect(w.flush(1e12)).toEqual([]);
    expect(w.push(reading(50, [5, 6]))).toEqual([]);
    expect(w.push(reading(52, [7, 8])).map(brief)).toEqual([[50, 52, range(5, 8)]]);
    expect(w.stats.gaps).toBe(1);
  });
});
