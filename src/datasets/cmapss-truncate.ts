/**
 * Evaluation sets in NASA's C-MAPSS layout made from run-to-failure trajectories: each engine
 * is cut at a random cycle (as NASA cut test_FD00x), and the cycles cut off are its true RUL.
 * Written as `test_<subset>.txt` + `RUL_<subset>.txt`, values printed so that they read back
 * as the same float32 numbers.
 */

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Rand } from "../training/prng.js";
import { CMAPSS_CHANNELS, type CmapssEngine } from "./cmapss.js";

export interface TruncatedSet {
  readonly engines: CmapssEngine[];
  /** True remaining cycles after each truncated engine's last row. */
  readonly finalRul: number[];
}

export interface TruncateOptions {
  /** Fewest cycles kept (NASA's FD001 test engines have at least 31); capped at nCycles - 1. */
  readonly minCycles?: number;
}

/** The first `keep` cycles of an engine. */
export function headOfEngine(e: CmapssEngine, keep: number): CmapssEngine {
  const columns: Record<string, Float32Array> = {};
  for (const [name, col] of Object.entries(e.columns)) columns[name] = col.slice(0, keep);
  return { unit: e.unit, nCycles: keep, columns };
}

/** Cut every engine after a uniformly drawn cycle in [minCycles, nCycles - 1]; RUL is at least 1. */
export function truncateEngines(
  engines: readonly CmapssEngine[],
  rand: Rand,
  opts: TruncateOptions = {},
): TruncatedSet {
  const out: CmapssEngine[] = [];
  const finalRul: number[] = [];
  for (const e of engines) {
    if (e.nCycles < 2)
      throw new RangeError(`unit ${e.unit} has ${e.nCycles} cycle(s); at least 2 are needed to cut`);
    const lo = Math.min(opts.minCycles ?? 31, e.nCycles - 1);
    const keep = lo + Math.floor(rand() * (e.nCycles - lo));
    out.push(headOfEngine(e, keep));
    finalRul.push(e.nCycles - keep);
  }
  return { engines: out, finalRul };
}

/** Shortest decimal text that reads back as the same float32. */
export function float32Text(v: number): string {
  const f = Math.fround(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** Engines as C-MAPSS text: `unit cycle setting1..3 s1..s21`, space-separated, one row per cycle. */
export function formatCmapssText(engines: readonly CmapssEngine[]): string {
  const lines: string[] = [];
  for (const e of engines) {
    for (let i = 0; i < e.nCycles; i++) {
      const cells = [String(e.unit)];
      for (const name of CMAPSS_CHANNELS) {
        const col = e.columns[name];
        if (col === undefined) throw new RangeError(`unit ${e.unit} has no column ${name}`);
        cells.push(float32Text(col[i]!));
      }
      lines.push(cells.join(" "));
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Write `test_<subset>.txt` and `RUL_<subset>.txt` into `dir` (created if needed). */
export async function writeCmapssEvaluationFolder(
  dir: string,
  subset: string,
  set: TruncatedSet,
): Promise<{ testFile: string; rulFile: string }> {
  if (set.engines.length !== set.finalRul.length) throw new RangeError("one RUL per engine is needed");
  await mkdir(dir, { recursive: true });
  const testFile = join(dir, `test_${subset}.txt`);
  const rulFile = join(dir, `RUL_${subset}.txt`);
  await writeFile(testFile, formatCmapssText(set.engines));
  await writeFile(rulFile, `${set.finalRul.join("\n")}\n`);
  return { testFile, rulFile };
}
