import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  parseCmapssText,
  parseRulText,
  readCmapssFolder,
  rulPerCycle,
} from "../../../src/datasets/cmapss.js";
import {
  float32Text,
  truncateEngines,
  writeCmapssEvaluationFolder,
} from "../../../src/datasets/cmapss-truncate.js";
import { cmapssWindow, windowEnds } from "../../../src/datasets/cmapss-windows.js";
import { isDatasetError } from "../../../src/datasets/dataset-error.js";
import { mulberry32 } from "../../../src/training/prng.js";

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** A C-MAPSS row: unit, cycle, 3 settings, 21 sensors; sensor j is 500 + unit + cycle/10 + j. */
function row(unit: number, cycle: number): string {
  const sensors = Array.from({ length: 21 }, (_, j) => (500 + unit + cycle / 10 + j).toFixed(2));
  return [unit, cycle, "-0.0007", "0.0003", "100.0", ...sensors].join(" ");
}

function trajectories(lengths: readonly number[]): string {
  const lines: string[] = [];
  lengths.forEach((n, u) => {
    for (let c = 1; c <= n; c++) lines.push(`${row(u + 1, c)}  `); // NASA's files end rows with spaces
  });
  return `${lines.join("\n")}\n`;
}

function expectFormatError(f: () => unknown, line: number | undefined, message: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(isDatasetError(err, "EA_DATASET_FORMAT")).toBe(true);
    expect((err as { line?: number }).line).toBe(line);
    expect((err as Error).message).toMatch(message);
    return;
  }
  throw new Error("expected an EA_DATASET_FORMAT error");
}

describe("C-MAPSS text files", () => {
  it("reads engines as columns per channel, one value per cycle", () => {
    const engines = parseCmapssText(trajectories([3, 5]), "train_FD001.txt");
    expect(engines.map((e) => [e.unit, e.nCycles])).toEqual([
      [1, 3],
      [2, 5],
    ]);
    expect(Array.from(engines[1]!.columns.cycle!)).toEqual([1, 2, 3, 4, 5]);
    expect(engines[0]!.columns.s2![2]).toBeCloseTo(501 + 0.3 + 1, 4);
    expect(engines[0]!.columns.setting3![0]).toBe(100);
  });

  it.each([
    ["1 1 0 0 100 1 2 3", 1, /expected 26 numbers, found 8/],
    [`${row(1, 1)}\n${row(1, 3)}`, 2, /unit 1: expected cycle 2, found "3"/],
    [`${row(1, 1)}\n${row(2, 1)}\n${row(1, 2)}`, 3, /unit 1 appears again after others/],
    [row(1, 1).replace("-0.0007", "n/a"), 1, /column 3: "n\/a" is not a number/],
    [`${row(1, 1)}\n${row(1, 2).replace(/^1 /, "1.5 ")}`, 2, /unit "1.5" is not a positive integer/],
  ])("names the line of a malformed row (%#)", (text, line, message) => {
    expectFormatError(() => parseCmapssText(text, "train_FD001.txt"), line, message);
  });

  it("reads RUL files as whole cycles, one per line", () => {
    expect(parseRulText("112\n98\n69\n", "RUL_FD001.txt")).toEqual([112, 98, 69]);
    expectFormatError(
      () => parseRulText("112\n9.5\n", "RUL_FD001.txt"),
      2,
      /"9.5" is not a non-negative whole number/,
    );
  });

  it("gives the remaining cycles at every row from the RUL after the last one", () => {
    const [e] = parseCmapssText(trajectories([4]), "t.txt");
    expect(Array.from(rulPerCycle(e!, 10))).toEqual([13, 12, 11, 10]);
  });
});

describe("C-MAPSS folders", () => {
  it("reads a training folder, and an evaluation folder cut from it in NASA's layout", async () => {
    const dir = await tmp("cmapss-");
    await writeFile(join(dir, "train_FD001.txt"), trajectories([40, 50, 60]));
    const train = await readCmapssFolder(dir);
    expect(train.layout).toBe("training");
    expect(train.subset).toBe("FD001");
    expect(train.finalRul).toEqual([0, 0, 0]);

    const cut = truncateEngines(train.engines, mulberry32(1));
    const evalDir = join(dir, "eval");
    await writeCmapssEvaluationFolder(evalDir, "FD001", cut);
    const test = await readCmapssFolder(evalDir);
    expect(test.layout).toBe("evaluation");
    expect(test.finalRul).toEqual(cut.finalRul);
    test.engines.forEach((e, k) => {
      expect(e.nCycles + test.finalRul[k]!).toBe(train.engines[k]!.nCycles);
      expect(e.nCycles).toBeGreaterThanOrEqual(31);
      // Values read back as the same float32 numbers.
      expect(e.columns.s7).toEqual(train.engines[k]!.columns.s7!.subarray(0, e.nCycles));
    });
    expect(await readFile(join(evalDir, "RUL_FD001.txt"), "utf8")).toBe(`${cut.finalRul.join("\n")}\n`);
  });

  it("says what it expected when a folder has no C-MAPSS file, or the RUL file disagrees", async () => {
    const dir = await tmp("cmapss-");
    await expect(readCmapssFolder(dir)).rejects.toMatchObject({ code: "EA_DATASET_NOT_FOUND" });
    await writeFile(join(dir, "test_FD002.txt"), trajectories([35, 36]));
    await writeFile(join(dir, "RUL_FD002.txt"), "5\n");
    await expect(readCmapssFolder(dir)).rejects.toThrow(/has 1 values but .*test_FD002.txt has 2 engines/);
  });

  it("prints float32 values in the shortest text that reads back the same", () => {
    for (const v of [518.67, 0.0003, -0.0007, 8138.62, 100, 1e-7]) {
      expect(Math.fround(Number(float32Text(v)))).toBe(Math.fround(v));
    }
    expect(float32Text(518.67)).toBe("518.67");
  });
});

describe("C-MAPSS windows", () => {
  const [e] = parseCmapssText(trajectories([40]), "t.txt");

  it("holds the last windowSamples cycles of every channel, ending at the given row", () => {
    const w = cmapssWindow(e!, 35, 30);
    expect(Array.from(w.channels.cycle!)).toEqual(Array.from({ length: 30 }, (_, i) => i + 7));
    expect(w.tsMs - w.t0Ms).toBe(29_000);
    expect(Number.isNaN(w.sampleRateHz)).toBe(true);
  });

  it("is shorter at the start of a trajectory", () => {
    expect(cmapssWindow(e!, 4, 30).channels.s2).toHaveLength(5);
  });

  it("ends windows at every row from the first full window to the last row", () => {
    const ends = windowEnds(e!, 30);
    expect(ends[0]).toBe(29);
    expect(ends[ends.length - 1]).toBe(39);
    expect(ends).toHaveLength(11);
  });
});
