/**
 * AI4I 2020 predictive-maintenance records (UCI 601): one milling-machine reading per row with
 * product type, temperatures, speed, torque, tool wear and the failure flags. Any CSV with the
 * same header works (columns are found by name, so their order may differ).
 */

import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DatasetError, readDatasetText, textLines } from "./dataset-error.js";

export const PRODUCT_TYPES = ["L", "M", "H"] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export interface Ai4iRecord {
  /** 1-based line of the record in its file. */
  readonly line: number;
  readonly udi: number;
  readonly productId: string;
  readonly type: ProductType;
  readonly airTempK: number;
  readonly processTempK: number;
  readonly rpm: number;
  readonly torqueNm: number;
  readonly toolWearMin: number;
  readonly machineFailure: boolean;
  readonly twf: boolean;
  readonly hdf: boolean;
  readonly pwf: boolean;
  readonly osf: boolean;
  readonly rnf: boolean;
}

const COLUMNS = {
  udi: "UDI",
  productId: "Product ID",
  type: "Type",
  airTempK: "Air temperature [K]",
  processTempK: "Process temperature [K]",
  rpm: "Rotational speed [rpm]",
  torqueNm: "Torque [Nm]",
  toolWearMin: "Tool wear [min]",
  machineFailure: "Machine failure",
  twf: "TWF",
  hdf: "HDF",
  pwf: "PWF",
  osf: "OSF",
  rnf: "RNF",
} as const;
type Field = keyof typeof COLUMNS;

/** The header row of the published file. */
export const AI4I_HEADER = Object.values(COLUMNS).join(",");

function cells(line: string): string[] {
  return line.split(",").map((c) => c.trim().replace(/^"(.*)"$/, "$1"));
}

/** True when a header line has every AI4I column. */
export function isAi4iHeader(line: string): boolean {
  const names = new Set(cells(line.replace(/^\uFEFF/, "")));
  return Object.values(COLUMNS).every((c) => names.has(c));
}

/** Parse the text of an AI4I CSV; `file` names it in errors. */
export function parseAi4iCsv(text: string, file: string): Ai4iRecord[] {
  const lines = textLines(text);
  const header = lines[0];
  if (header === undefined)
    throw new DatasetError("EA_DATASET_FORMAT", file, "empty file, expected the AI4I header", 1);
  const names = cells(header);
  const index = {} as Record<Field, number>;
  const missing: string[] = [];
  for (const [field, column] of Object.entries(COLUMNS) as [Field, string][]) {
    const i = names.indexOf(column);
    if (i < 0) missing.push(`"${column}"`);
    index[field] = i;
  }
  if (missing.length > 0) {
    throw new DatasetError("EA_DATASET_FORMAT", file, `header lacks column(s) ${missing.join(", ")}`, 1);
  }
  const records: Ai4iRecord[] = [];
  for (let li = 1; li < lines.length; li++) {
    const text = lines[li]!;
    if (text.trim() === "") continue;
    const line = li + 1;
    const c = cells(text);
    if (c.length !== names.length) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `expected ${names.length} columns, found ${c.length}`,
        line,
      );
    }
    const num = (f: Field): number => {
      const s = c[index[f]]!;
      const v = Number(s);
      if (s === "" || !Number.isFinite(v)) {
        throw new DatasetError(
          "EA_DATASET_FORMAT",
          file,
          `column "${COLUMNS[f]}": "${s}" is not a number`,
          line,
        );
      }
      return v;
    };
    const flag = (f: Field): boolean => {
      const v = num(f);
      if (v !== 0 && v !== 1) {
        throw new DatasetError(
          "EA_DATASET_FORMAT",
          file,
          `column "${COLUMNS[f]}": expected 0 or 1, found ${v}`,
          line,
        );
      }
      return v === 1;
    };
    const type = c[index.type]!;
    if (!(PRODUCT_TYPES as readonly string[]).includes(type)) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `column "Type": expected L, M or H, found "${type}"`,
        line,
      );
    }
    records.push({
      line,
      udi: num("udi"),
      productId: c[index.productId]!,
      type: type as ProductType,
      airTempK: num("airTempK"),
      processTempK: num("processTempK"),
      rpm: num("rpm"),
      torqueNm: num("torqueNm"),
      toolWearMin: num("toolWearMin"),
      machineFailure: flag("machineFailure"),
      twf: flag("twf"),
      hdf: flag("hdf"),
      pwf: flag("pwf"),
      osf: flag("osf"),
      rnf: flag("rnf"),
    });
  }
  return records;
}

/** Read an AI4I CSV file. */
export async function readAi4iCsv(file: string): Promise<Ai4iRecord[]> {
  return parseAi4iCsv(await readDatasetText(file), file);
}

/**
 * The AI4I CSV in a folder (the first `.csv`, by name, whose header is AI4I's), or the path
 * itself when it is a file.
 */
export async function findAi4iCsv(path: string): Promise<string | undefined> {
  const s = await stat(path).catch(() => undefined);
  if (s === undefined) return undefined;
  if (s.isFile()) return path;
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith(".csv")).sort();
  for (const n of names) {
    const first = textLines(await readDatasetText(join(path, n)))[0] ?? "";
    if (isAi4iHeader(first)) return join(path, n);
  }
  return undefined;
}

/** Records back as an AI4I CSV (the published header and column order), e.g. one block of rows. */
export function formatAi4iCsv(records: readonly Ai4iRecord[]): string {
  const f = (b: boolean) => (b ? 1 : 0);
  const lines = records.map((r) =>
    [
      r.udi,
      r.productId,
      r.type,
      r.airTempK,
      r.processTempK,
      r.rpm,
      r.torqueNm,
      r.toolWearMin,
      f(r.machineFailure),
      f(r.twf),
      f(r.hdf),
      f(r.pwf),
      f(r.osf),
      f(r.rnf),
    ].join(","),
  );
  return `${AI4I_HEADER}\n${lines.map((l) => `${l}\n`).join("")}`;
}
