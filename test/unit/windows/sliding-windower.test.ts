import { describe, expect, it } from "vitest";
import type { Reading } from "../../../src/types.js";
import { createWindower } from "../../../src/windows/create-windower.js";
import { brief, range, reading, windowingProfile } from "./readings.js";

/** mulberry32, so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Contiguous readings of random lengths at 1000 Hz, sample k has value k and time k ms. */
function stream(rand: () => number, total: number, maxLength: number): Reading[] {
  const out: Reading[] = [];
  for (let k = 0; k < total; ) {
    const n = Math.min(total - k, 1 + Math.floor(rand() * maxLength));
    out.push(reading(k, range(k, k + n - 1)));
    k += n;
  }
  return out;
}

/** The obvious way: all samples in one array, a window at every multiple of the hop. */
function naive(readings: Reading[], size: number, hop: number): [number, number, number[]][] {
  const all = readings.flatMap((r) => Array.from(r.samples));
  const endsAt = readings.flatMap((r) => Array.from(r.samples, () => r.tsMs));
  const out: [number, number, number[]][] = [];
  for (let start = 0; start + size <= all.length; start += hop) {
    out.push([start, endsAt[start + size - 1]!, all.slice(start, start + size)]);
  }
  return out;
}

describe("sliding windows", () => {
  it.each([
    [8, 1],
    [8, 3],
    [8, 8],
    [16, 5],
    [64, 16],
    [5, 4],
  ])("of %i samples every %i match a naive reference over seeded random reading lengths", (size, hop) => {
    const rand = seeded(size * 100 + hop);
    for (let trial = 0; trial < 20; trial++) {
      const readings = stream(rand, 20 * size, 3 * size);
      const w = createWindower(windowingProfile({ type: "sliding", samples: size, hopSamples: hop }));
      const got = readings.flatMap((r) => w.push(r)).map(brief);
      expect(got).toEqual(naive(readings, size, hop));
    }
  });

  it("gives every window its own copy that later samples do not change", () => {
    const w = createWindower(windowingProfile({ type: "sliding", samples: 4, hopSamples: 2 }));
    const first = w.push(reading(0, range(0, 3)));
    const later = w.push(reading(4, range(4, 9)));
    expect(first.map(brief)).toEqual([[0, 0, [0, 1, 2, 3]]]);
    expect(later.map(brief)).toEqual([
      [2, 4, [2, 3, 4, 5]],
      [4, 4, [4, 5, 6, 7]],
      [6, 4, [6, 7, 8, 9]],
    ]);
    expect(new Set([...first, ...later].map((x) => x.channels.accel?.buffer)).size).toBe(4);
  });

  it.each([
    ["a gap", [reading(0, [0, 1, 2]), reading(100, [3, 4, 5, 6])], { gaps: 1, rateMismatches: 0 }],
    [
      "a rate change",
      [reading(0, [0, 1, 2], 1000), reading(3, [3, 4, 5, 6], 500)],
      { gaps: 0, rateMismatches: 1 },
    ],
  ])("restarts the ring on %s", (_what, readings, stats) => {
    const w = createWindower(windowingProfile({ type: "sliding", samples: 4, hopSamples: 1 }));
    const got = readings.flatMap((r) => w.push(r));
    expect(got.map(brief)).toEqual([[readings[1]!.tsMs, readings[1]!.tsMs, [3, 4, 5, 6]]]);
    expect(w.stats).toMatchObject(stats);
  });

  it("starts afresh after reset and never emits on flush", () => {
    const w = createWindower(windowingProfile({ type: "sliding", samples: 4, hopSamples: 2 }));
    w.push(reading(0, [0, 1, 2]));
    w.reset();
    expect(w.flush(1e12)).toEqual([]);
    expect(w.push(reading(100, [5, 6, 7])).length).toBe(0);
    expect(w.push(reading(103, [8])).map(brief)).toEqual([[100, 103, [5, 6, 7, 8]]]);
    expect(w.stats.gaps).toBe(0);
  });
});
