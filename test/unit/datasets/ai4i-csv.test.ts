import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  AI4I_HEADER,
  findAi4iCsv,
  formatAi4iCsv,
  parseAi4iCsv,
  readAi4iCsv,
} from "../../../src/datasets/ai4i-csv.js";
import { ai4iWindow, failureModeOf } from "../../../src/datasets/ai4i-window.js";
import { isDatasetError } from "../../../src/datasets/dataset-error.js";

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

const ROWS = [
  "1,M14860,M,298.1,308.6,1551,42.8,0,0,0,0,0,0,0",
  "2,L47181,L,298.2,308.7,1408,46.3,3,0,0,0,0,0,0",
  "3,H29000,H,302.0,310.0,1300,60.0,210,1,1,1,0,0,0",
  "4,L47183,L,298.2,308.6,1433,39.5,7,1,0,0,0,0,1",
  "5,L47184,L,298.2,308.6,2800,5.0,7,1,0,0,1,0,0",
];
const TEXT = `${AI4I_HEADER}\n${ROWS.join("\n")}\n`;

function expectFormatError(f: () => unknown, line: number, message: RegExp): void {
  try {
    f();
  } catch (err) {
    expect(isDatasetError(err, "EA_DATASET_FORMAT")).toBe(true);
    expect((err as { line?: number }).line).toBe(line);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain("mini.csv");
    return;
  }
  throw new Error("expected an EA_DATASET_FORMAT error");
}

describe("AI4I CSV reader", () => {
  it("reads every record with its flags, type and line number", () => {
    const r = parseAi4iCsv(TEXT, "mini.csv");
    expect(r).toHaveLength(5);
    expect(r[0]).toMatchObject({
      line: 2,
      udi: 1,
      type: "M",
      airTempK: 298.1,
      rpm: 1551,
      machineFailure: false,
    });
    expect(r[2]).toMatchObject({ type: "H", toolWearMin: 210, machineFailure: true, twf: true, hdf: true });
  });

  it("finds columns by name, so a file with the columns in another order reads the same", () => {
    const cols = AI4I_HEADER.split(",");
    const perm = cols.map((_, i) => cols.length - 1 - i);
    const swapped = [
      perm.map((i) => cols[i]).join(","),
      ...ROWS.map((row) => perm.map((i) => row.split(",")[i]).join(",")),
    ];
    expect(parseAi4iCsv(swapped.join("\r\n"), "swapped.csv").map((r) => ({ ...r }))).toEqual(
      parseAi4iCsv(TEXT, "mini.csv"),
    );
  });

  it("writes records back in the published layout, which reads back the same", () => {
    const r = parseAi4iCsv(TEXT, "mini.csv");
    expect(parseAi4iCsv(formatAi4iCsv(r), "again.csv")).toEqual(r);
  });

  it.each([
    [`UDI,Type\n1,L`, 1, /header lacks column\(s\) "Product ID"/],
    [`${AI4I_HEADER}\n${ROWS[0]}\n1,M,M`, 3, /expected 14 columns, found 3/],
    [`${AI4I_HEADER}\n${ROWS[0]!.replace("42.8", "forty")}`, 2, /"Torque \[Nm\]": "forty" is not a number/],
    [`${AI4I_HEADER}\n${ROWS[0]!.replace(",M,", ",X,")}`, 2, /expected L, M or H, found "X"/],
    [`${AI4I_HEADER}\n${ROWS[0]!.replace(/0$/, "2")}`, 2, /"RNF": expected 0 or 1, found 2/],
  ])("names the file and line of a bad row (%#)", (text, line, message) => {
    expectFormatError(() => parseAi4iCsv(text, "mini.csv"), line, message);
  });

  it("finds the AI4I CSV in a folder among other CSV files, and says when a file is missing", async () => {
    const dir = await tmp("ai4i-");
    await writeFile(join(dir, "a-other.csv"), "x,y\n1,2\n");
    await writeFile(join(dir, "b-block.csv"), TEXT);
    expect(await findAi4iCsv(dir)).toBe(join(dir, "b-block.csv"));
    expect(await readAi4iCsv(join(dir, "b-block.csv"))).toHaveLength(5);
    await expect(readAi4iCsv(join(dir, "nope.csv"))).rejects.toMatchObject({ code: "EA_DATASET_NOT_FOUND" });
  });
});

describe("AI4I records as readings and classes", () => {
  const r = parseAi4iCsv(TEXT, "mini.csv");

  it("takes the first mode in priority order and calls an unexplained or random failure none", () => {
    expect(r.map(failureModeOf)).toEqual(["none", "none", "heat_dissipation", "none", "power"]);
  });

  it("makes a one-reading window with the product type as type_code 0/1/2", () => {
    const w = ai4iWindow(r[2]!, 5000);
    expect(w.tsMs).toBe(5000);
    expect(Number.isNaN(w.sampleRateHz)).toBe(true);
    expect(Array.from(w.channels.type_code!)).toEqual([2]);
    expect(Array.from(w.channels.torque_nm!)).toEqual([60]);
    expect(Object.keys(w.channels)).toEqual([
      "air_temp_k",
      "process_temp_k",
      "rpm",
      "torque_nm",
      "tool_wear_min",
      "type_code",
    ]);
  });
});
