/**
 * The CWRU-style bearing dataset: `manifest.json` listing raw little-endian float32 recordings
 * with their label, fault size, load, shaft speed, sample rate, sample count and sha256, plus
 * the bearing's defect frequencies as multiples of shaft speed. Any folder in this layout works.
 */

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DatasetError, readDatasetText } from "./dataset-error.js";

const recordingSchema = z.object({
  file: z.string().min(1),
  label: z.string().min(1),
  fault_size_in: z.number().nonnegative().nullable().optional(),
  or_position_oclock: z.number().nullable().optional(),
  load_hp: z.number().nonnegative().optional(),
  rpm: z.number().positive(),
  sampling_rate_hz: z.number().positive(),
  sample_count: z.number().int().positive(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  units: z.string().optional(),
  dtype: z.literal("float32-le").optional(),
});

const manifestFileSchema = z.object({
  dataset: z.string().optional(),
  bearing_defect_orders: z.record(z.string(), z.number().positive()).default({}),
  labels: z.array(z.string().min(1)).optional(),
  recordings: z.array(recordingSchema).min(1),
});

export interface CwruRecording {
  /** Path relative to the manifest's folder. */
  readonly file: string;
  readonly label: string;
  readonly faultSizeIn: number | null;
  readonly orPositionOclock: number | null;
  readonly loadHp: number | null;
  readonly rpm: number;
  readonly sampleRateHz: number;
  readonly sampleCount: number;
  readonly sha256: string | null;
  readonly units: string;
}

export interface CwruManifest {
  readonly dir: string;
  readonly dataset: string;
  /** Labels in the manifest's order (or in order of first appearance when it lists none). */
  readonly labels: readonly string[];
  /** Defect frequencies as multiples of shaft speed, e.g. `{ outer_race: 3.5848 }`. */
  readonly defectOrders: Readonly<Record<string, number>>;
  readonly recordings: readonly CwruRecording[];
}

/** `recordings[3].rpm` from a zod path. */
function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === "number" ? `${s}[${p}]` : s === "" ? String(p) : `${s}.${String(p)}`),
    "",
  );
}

/** Read and check `<dir>/manifest.json`. */
export async function readCwruManifest(dir: string): Promise<CwruManifest> {
  const file = join(dir, "manifest.json");
  const text = await readDatasetText(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DatasetError("EA_DATASET_FORMAT", file, `not JSON (${(err as Error).message})`);
  }
  const parsed = manifestFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${pathText(i.path) || "(root)"}: ${i.message}`);
    throw new DatasetError("EA_DATASET_FORMAT", file, problems.join("; "));
  }
  const m = parsed.data;
  const labels = m.labels ?? [...new Set(m.recordings.map((r) => r.label))];
  m.recordings.forEach((r, i) => {
    if (!labels.includes(r.label)) {
      throw new DatasetError(
        "EA_DATASET_FORMAT",
        file,
        `recordings[${i}].label: "${r.label}" is not in labels`,
      );
    }
  });
  return {
    dir,
    dataset: m.dataset ?? "",
    labels,
    defectOrders: m.bearing_defect_orders,
    recordings: m.recordings.map((r) => ({
      file: r.file,
      label: r.label,
      faultSizeIn: r.fault_size_in ?? null,
      orPositionOclock: r.or_position_oclock ?? null,
      loadHp: r.load_hp ?? null,
      rpm: r.rpm,
      sampleRateHz: r.sampling_rate_hz,
      sampleCount: r.sample_count,
      sha256: r.sha256 ?? null,
      units: r.units ?? "",
    })),
  };
}

/**
 * The samples of one recording. Its size must be `sampleCount` float32 values; with
 * `verifyHash`, its sha256 must match the manifest's.
 */
export async function readCwruSignal(
  m: CwruManifest,
  rec: CwruRecording,
  opts: { readonly verifyHash?: boolean } = {},
): Promise<Float32Array> {
  const file = join(m.dir, rec.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new DatasetError(
      "EA_DATASET_NOT_FOUND",
      file,
      "recording listed in manifest.json is missing",
      undefined,
      {
        cause: err,
      },
    );
  }
  if (bytes.length !== rec.sampleCount * 4) {
    throw new DatasetError(
      "EA_DATASET_INTEGRITY",
      file,
      `expected ${rec.sampleCount} float32 samples (${rec.sampleCount * 4} bytes), found ${bytes.length} bytes`,
    );
  }
  if (opts.verifyHash === true && rec.sha256 !== null) {
    const got = createHash("sha256").update(bytes).digest("hex");
    if (got !== rec.sha256) {
      throw new DatasetError("EA_DATASET_INTEGRITY", file, `sha256 is ${got}, manifest says ${rec.sha256}`);
    }
  }
  // Copy into an aligned buffer and read little-endian regardless of the host.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(rec.sampleCount);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
