/**
 * NASA C-MAPSS turbofan run-to-failure text files: one row per engine cycle, 26 numbers
 * separated by spaces (unit, cycle, 3 operating settings, 21 sensors). A folder holds either
 * training trajectories (`train_FD00x.txt`, every engine run to failure) or an evaluation set in
 * NASA's layout (`test_FD00x.txt`, trajectories cut before failure, and `RUL_FD00x.txt`, the
 * true remaining life after each test engine's last cycle).
 */

import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { DatasetError, readDatasetText, textLines } from "./dataset-error.js";

export const CMAPSS_SETTINGS = ["setting1", "setting2", "setting3"] as const;
export const CMAPSS_SENSORS = Array.from({ length: 21 }, (_, i) => `s${i + 1}`);
/** Column names after `unit`: the cycle, the settings and the sensors (the channels of a reading). */
export const CMAPSS_CHANNELS: readonly string[] = ["cycle", ...CMAPSS_SETTINGS, ...CMAPSS_SENSORS];
const N_COLUMNS = 1 + CMAPSS_CHANNELS.length;

export interface CmapssEngine {
  readonly unit: number;
  readonly nCycles: number;
  /** One array per channel (`cycle`, `setting1..3`, `s1..s21`), one value per cycle. */
  readonly columns: Readonly<Record<string, Float32Array>>;
}

export interface CmapssSet {
  readonly layout: "training" | "evaluation";
  /** `FD001` … */
  readonly subset: string;
  readonly files: readonly string[];
  readonly engines: readonly CmapssEngine[];
  /** True remaining cycles after each engine's last row: 0 for training trajectories. */
  readonly finalRul: readonly number[];
}

/** Parse a train_/test_ file's text; `file` names it in errors. */
export function parseCmapssText(text: string, file: string): CmapssEngine[] {
  const engines: CmapssEngine[] = [];
  const seen = new Set<number>();
  let unit = -1;
  let rows: number[][] = [];
  const flush = () => {
    if (rows.length === 0) return;
    const columns: Record<string, Float32Array> = {};
    CMAPSS_CHANNELS.forEach((name, j) => {
      columns[name] = Float32Array.from(rows, (r) => r[j + 1]!);
    });
    engines.push({ unit, nCycles: rows.length, columns });
    rows = [];
  };
  const lines = textLines(text);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const t = raw.trim();
    if (t === "") return;
    const cells = t.split(/\s+/);
    if (cells.length !== N_COLUMNS) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `expected ${N_COLUMNS} numbers, found ${cells.length}`,
        line,
      );
    }
    const v = cells.map(Number);
    const bad = v.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `column ${bad + 1}: "${cells[bad]}" is not a number`,
        line,
      );
    }
    const u = v[0]!;
    const cycle = v[1]!;
    if (!Number.isInteger(u) || u < 1) {
      throw new DatasetError("EA_DATASET_FORMAT", file, `unit "${cells[0]}" is not a positive integer`, line);
    }
    if (u !== unit) {
      if (seen.has(u))
        throw new DatasetError("EA_DATASET_FORMAT", file, `unit ${u} appears again after others`, line);
      flush();
      seen.add(u);
      unit = u;
    }
    if (cycle !== rows.length + 1) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `unit ${u}: expected cycle ${rows.length + 1}, found "${cells[1]}" (cycles count up from 1)`,
        line,
      );
    }
    rows.push(v);
  });
  flush();
  if (engines.length === 0) throw new DatasetError("EA_DATASET_FORMAT", file, "no rows");
  return engines;
}

/** Parse a RUL_ file: one non-negative integer per line, one line per test engine. */
export function parseRulText(text: string, file: string): number[] {
  const out: number[] = [];
  textLines(text).forEach((raw, i) => {
    const t = raw.trim();
    if (t === "") return;
    const v = Number(t);
    if (!Number.isInteger(v) || v < 0) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `"${t}" is not a non-negative whole number of cycles`,
        i + 1,
      );
    }
    out.push(v);
  });
  return out;
}

export async function readCmapssFile(file: string): Promise<CmapssEngine[]> {
  return parseCmapssText(await readDatasetText(file), file);
}

export interface CmapssFolderOptions {
  /** `FD001` …; needed only when the folder holds several subsets. */
  readonly subset?: string;
  /** Which layout to read when the folder holds both (default: evaluation). */
  readonly layout?: "training" | "evaluation";
}

/** Read a C-MAPSS folder in either layout. */
export async function readCmapssFolder(dir: string, opts: CmapssFolderOptions = {}): Promise<CmapssSet> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new DatasetError("EA_DATASET_NOT_FOUND", dir, "no such folder", undefined, { cause: err });
  }
  const subsets = (prefix: string) =>
    names.flatMap((n) => {
      const m = new RegExp(`^${prefix}_(FD\\d{3})\\.txt$`).exec(n);
      return m ? [m[1]!] : [];
    });
  const rulSubsets = new Set(subsets("RUL"));
  const evaluation = subsets("test").filter((s) => rulSubsets.has(s));
  const training = subsets("train");
  const useEval = opts.layout === "evaluation" || (opts.layout === undefined && evaluation.length > 0);
  const available = useEval ? evaluation : training;
  const subset = opts.subset ?? (available.length === 1 ? available[0] : undefined);
  if (subset === undefined || !available.includes(subset)) {
    const want = useEval ? "test_FD00x.txt with RUL_FD00x.txt" : "train_FD00x.txt";
    const found = available.length > 0 ? `found subsets ${available.sort().join(", ")}` : "found none";
    throw new DatasetError(
      "EA_DATASET_NOT_FOUND",
      dir,
      `expected ${want}${opts.subset ? ` for ${opts.subset}` : ""}; ${found}`,
    );
  }
  if (!useEval) {
    const file = join(dir, `train_${subset}.txt`);
    const engines = await readCmapssFile(file);
    return { layout: "training", subset, files: [file], engines, finalRul: engines.map(() => 0) };
  }
  const file = join(dir, `test_${subset}.txt`);
  const rulFile = join(dir, `RUL_${subset}.txt`);
  const engines = await readCmapssFile(file);
  const finalRul = parseRulText(await readDatasetText(rulFile), rulFile);
  if (finalRul.length !== engines.length) {
    throw new DatasetError(
      "EA_DATASET_FORMAT",
      rulFile,
      `has ${finalRul.length} values but ${file} has ${engines.length} engines (one value per engine, in order)`,
    );
  }
  return { layout: "evaluation", subset, files: [file, rulFile], engines, finalRul };
}

/** True remaining cycles at every row of an engine: finalRul + cycles still to come. */
export function rulPerCycle(engine: CmapssEngine, finalRul: number): Int32Array {
  return Int32Array.from({ length: engine.nCycles }, (_, i) => finalRul + engine.nCycles - 1 - i);
}
