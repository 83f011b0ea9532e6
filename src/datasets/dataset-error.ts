import { readFile } from "node:fs/promises";

/**
 * Why a dataset file could not be read. One code per cause; the message names the file and,
 * for text formats, the line (1-based) or, for JSON, the path of the bad field.
 */

export type DatasetErrorCode =
  /** The file or folder is not there, or a folder holds no file in a known layout. */
  | "EA_DATASET_NOT_FOUND"
  /** The file is there but not in the expected format (header, column count, a value). */
  | "EA_DATASET_FORMAT"
  /** A recording's size or sha256 differs from what its manifest says. */
  | "EA_DATASET_INTEGRITY";

/** How to fix each error, one line each (for the README's error table and the CLI). */
export const DATASET_ERROR_FIXES: Readonly<Record<DatasetErrorCode, string>> = {
  EA_DATASET_NOT_FOUND:
    "Pass the dataset folder (AI4I: a .csv with the AI4I header; C-MAPSS: train_FD00x.txt, or test_FD00x.txt + RUL_FD00x.txt; CWRU: manifest.json).",
  EA_DATASET_FORMAT: "Fix the named line or field, or regenerate the file in the dataset's published layout.",
  EA_DATASET_INTEGRITY:
    "The recording is truncated or altered: copy it again from the source and check its sha256.",
};

export class DatasetError extends Error {
  override readonly name = "DatasetError";
  readonly code: DatasetErrorCode;
  readonly file: string;
  /** 1-based line of a text file, when the problem is on one line. */
  readonly line: number | undefined;

  constructor(
    code: DatasetErrorCode,
    file: string,
    message: string,
    line?: number,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${file}${line !== undefined ? `:${line}` : ""}: ${message}`, options);
    this.code = code;
    this.file = file;
    this.line = line;
  }
}

export function isDatasetError(err: unknown, code?: DatasetErrorCode): err is DatasetError {
  return err instanceof DatasetError && (code === undefined || err.code === code);
}

/** Read a text file, turning a missing file into EA_DATASET_NOT_FOUND. */
export async function readDatasetText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") {
      throw new DatasetError("EA_DATASET_NOT_FOUND", file, "no such file", undefined, { cause: err });
    }
    throw err;
  }
}

/** The lines of a text file without a BOM and line endings (a last empty line is dropped). */
export function textLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
