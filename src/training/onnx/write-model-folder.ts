import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../inference/manifest-schema.js";
import { manifestSchema } from "../../inference/manifest-schema.js";

/**
 * Writes a model folder: `model.onnx` and `manifest.json` with the file's sha256 filled in.
 * The manifest is validated, its fields come in the schema's order, and free-form records
 * (metrics, provenance, training stats, defect orders) have their keys sorted, so that the
 * same model and figures always give the same file.
 */
export function writeModelFolder(dir: string, onnxBytes: Uint8Array, manifest: Manifest): Manifest {
  const sha256 = createHash("sha256").update(onnxBytes).digest("hex");
  const parsed = manifestSchema.parse({ ...manifest, sha256 });
  const stable: Manifest = {
    ...parsed,
    input: {
      ...parsed.input,
      params: sortKeysDeep(parsed.input.params) as Manifest["input"]["params"],
    },
    provenance: sortKeysDeep(parsed.provenance) as Manifest["provenance"],
    metrics: sortKeysDeep(parsed.metrics) as Manifest["metrics"],
  };
  if (parsed.trainingStats !== undefined) {
    (stable as { trainingStats?: unknown }).trainingStats = sortKeysDeep(parsed.trainingStats);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "model.onnx"), onnxBytes);
  writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(stable, null, 2)}\n`);
  return stable;
}

/** A copy with every plain object's keys in sorted order; arrays keep theirs. */
export function sortKeysDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeysDeep);
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortKeysDeep(o[k])]),
    );
  }
  return v;
}
