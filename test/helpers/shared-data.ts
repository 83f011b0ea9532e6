import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The shared datasets folder beside the project (../shared/datasets), as CI lays it out. */
export const DATASETS = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));

/**
 * Whether a shared dataset is here. Absent: the tests that need it say so and are skipped;
 * under CI=true absence is a failure.
 */
export function haveDataset(name: string): boolean {
  const ok = existsSync(`${DATASETS}${name}`);
  if (!ok) {
    const msg = `dataset ${DATASETS}${name} is absent: the tests that need it ${process.env.CI === "true" ? "FAIL (CI=true)" : "are skipped"}`;
    if (process.env.CI === "true") throw new Error(msg);
    process.stderr.write(`${msg}\n`);
  }
  return ok;
}
