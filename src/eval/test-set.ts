/**
 * The test set a model's manifest records (`metrics.testSet`), so that `edge-agent eval
 * --test-set` scores exactly the windows the training script scored. For recordings (CWRU
 * layout) it is the evaluation options themselves: fault sizes, loads, hop, and the sample
 * ranges of recordings that were split in time (the one healthy recording, shared between the
 * cross-size folds). `datasetManifestSha256` ties the ranges to the dataset they were cut from.
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Manifest } from "../inference/manifest-schema.js";
import type { CwruEvalOptions } from "./evaluate-cwru.js";
import { EvaluationError } from "./evaluation-error.js";

const range = z
  .tuple([z.number().int().nonnegative(), z.number().int().nonnegative()])
  .refine(([from, to]) => from < to, "a range is [from, to) with from < to");

export const cwruTestSetSchema = z.strictObject({
  /** The dataset folder's name, for people (not checked). */
  dataset: z.string().optional(),
  /** sha256 of the dataset's manifest.json: eval refuses another dataset. */
  datasetManifestSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  faultSizesIn: z.array(z.number().nonnegative()).optional(),
  loadsHp: z.array(z.number().nonnegative()).optional(),
  hopSamples: z.number().int().positive().optional(),
  /** By recording file (as in the dataset's manifest): only windows inside samples [from, to). */
  recordingRanges: z.record(z.string(), range).optional(),
});

export type CwruTestSet = z.infer<typeof cwruTestSetSchema>;

/** The evaluation options of the test set recorded in a model's manifest. */
export function recordedTestSet(manifest: Manifest, modelDir: string): CwruEvalOptions {
  const raw = manifest.metrics.testSet;
  if (raw === undefined) {
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${modelDir} records no test set (metrics.testSet); evaluate it without --test-set`,
    );
  }
  const parsed = cwruTestSetSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new EvaluationError(
      "EA_EVAL_MISMATCH",
      `model ${modelDir}: metrics.testSet is not a recordings test set (${problems.join("; ")})`,
    );
  }
  const t = parsed.data;
  return {
    ...(t.faultSizesIn !== undefined ? { faultSizesIn: t.faultSizesIn } : {}),
    ...(t.loadsHp !== undefined ? { loadsHp: t.loadsHp } : {}),
    ...(t.hopSamples !== undefined ? { hopSamples: t.hopSamples } : {}),
    ...(t.recordingRanges !== undefined ? { recordingRanges: t.recordingRanges } : {}),
    ...(t.datasetManifestSha256 !== undefined ? { datasetManifestSha256: t.datasetManifestSha256 } : {}),
  };
}

/** sha256 (hex) of a CWRU-layout folder's manifest.json. */
export async function datasetManifestSha256(dir: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(join(dir, "manifest.json")))
    .digest("hex");
}
