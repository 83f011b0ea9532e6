import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { readCapture } from "../capture/capture-store.js";
import { readCwruManifest } from "../datasets/cwru-manifest.js";
import type { FeedbackStore, LabelledEpisode } from "./feedback-store.js";

/**
 * Writes the labelled episodes of a feedback store as datasets in the layouts the training
 * scripts read:
 * - `features/<model>.csv`: every evidence vector (the windows that voted for the advice), one
 *   row each, with its episode, verdict and label, then the model's features in order;
 * - `vibration/manifest.json` + `vibration/signals/*.f32`: the raw captures of block and sliding
 *   window assets as a CWRU-style dataset (float32 little-endian recordings with label, shaft
 *   rpm and sample rate; one recording per contiguous run of captured windows), optionally
 *   listing a base dataset's recordings too (`base`), so that a training script retrains on
 *   both;
 * - `labels.json`: what was exported and what was left out, with the reason.
 * Labels: `confirmed`/`fixed` → the fault code given, else the advised fault; `false_alarm` →
 * the profile's normal class.
 */

export interface ExportOptions {
  readonly sinceMs: number;
  readonly out: string;
  /** A CWRU-style dataset folder whose recordings are listed in the vibration manifest too. */
  readonly base?: string | undefined;
}

export interface ExportSummary {
  readonly episodes: number;
  readonly featureRows: Record<string, number>;
  readonly recordings: number;
  readonly recordingSamples: number;
  readonly baseRecordings: number;
  readonly skipped: readonly { readonly episodeId: string; readonly reason: string }[];
}

interface Recording {
  file: string;
  label: string;
  fault_size_in: null;
  rpm: number;
  sampling_rate_hz: number;
  sample_count: number;
  sha256: string;
  dtype: "float32-le";
  units: string;
  site: string;
  asset: string;
  episode_id: string;
  verdict: string;
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function shaftRpm(params: Readonly<Record<string, unknown>>): number | null {
  const rpm = params.shaftRpm;
  if (typeof rpm === "number" && rpm > 0) return rpm;
  const hz = params.shaftHz;
  return typeof hz === "number" && hz > 0 ? hz * 60 : null;
}

function f32le(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 4);
  for (let i = 0; i < x.length; i++) b.writeFloatLE(x[i]!, i * 4);
  return b;
}

/** The raw windows of an episode's raise capture, joined into contiguous runs of the primary channel. */
async function captureRuns(e: LabelledEpisode): Promise<{ runs: Float32Array[]; rateHz: number } | string> {
  const cap = e.captures.find((c) => c.transition === "raise");
  if (cap === undefined) return "no raw capture (capture: off, or deleted to keep the folder's bound)";
  let read: Awaited<ReturnType<typeof readCapture>>;
  try {
    read = await readCapture(cap.path);
  } catch {
    return `raw capture ${cap.path} is gone (deleted to keep the folder's bound?)`;
  }
  const runs: Float32Array[][] = [];
  let rateHz = Number.NaN;
  let nextT0 = Number.NaN;
  for (const w of read.windows) {
    const [x] = Object.values(w.channels);
    if (x === undefined) continue;
    const rate = w.meta.sampleRateHz > 0 ? w.meta.sampleRateHz : e.context.sampleRateHz;
    if (!(rate > 0)) return "captured windows carry no sample rate";
    const step = 1000 / rate;
    const contiguous = Math.abs(w.meta.t0Ms - nextT0) <= step + 1 && rate === rateHz;
    if (!contiguous) runs.push([]);
    runs[runs.length - 1]!.push(x);
    rateHz = rate;
    nextT0 = w.meta.t0Ms + x.length * step;
  }
  if (runs.length === 0) return "raw capture holds no samples";
  const joined = runs.map((parts) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  });
  return { runs: joined, rateHz };
}

export async function exportLabels(store: FeedbackStore, o: ExportOptions): Promise<ExportSummary> {
  const episodes = store.labelledEpisodes(o.sinceMs);
  const skipped: { episodeId: string; reason: string }[] = [];
  await mkdir(o.out, { recursive: true });

  // Feature vectors, one CSV per model (their columns differ).
  const byModel = new Map<string, LabelledEpisode[]>();
  for (const e of episodes) byModel.set(e.model, [...(byModel.get(e.model) ?? []), e]);
  const featureRows: Record<string, number> = {};
  if (byModel.size > 0) await mkdir(join(o.out, "features"), { recursive: true });
  for (const [model, eps] of byModel) {
    const names = eps[0]!.context.featureNames;
    const lines = [
      [
        "episode_id",
        "site",
        "asset",
        "model",
        "model_version",
        "verdict",
        "label",
        "window_ts",
        ...names,
      ].join(","),
    ];
    for (const e of eps) {
      const d = e.context.featureNames.length;
      if (d !== names.length || e.context.featureNames.some((n, i) => n !== names[i])) {
        skipped.push({
          episodeId: e.episodeId,
          reason: `features differ from the other ${model} episodes' (another model version)`,
        });
        continue;
      }
      e.evidence.tsMs.forEach((ts, i) => {
        const values = Array.from(e.evidence.rows.subarray(i * d, (i + 1) * d), (v) => String(v));
        lines.push(
          [e.episodeId, e.site, e.asset, e.model, e.modelVersion, e.verdict, e.label, String(ts)]
            .map(csvCell)
            .join(",") + `,${values.join(",")}`,
        );
      });
    }
    featureRows[model] = lines.length - 1;
    await writeFile(
      join(o.out, "features", `${model.replace(/[^A-Za-z0-9_.-]/g, "_")}.csv`),
      `${lines.join("\n")}\n`,
    );
  }

  // Raw vibration windows as a CWRU-style dataset.
  const vib = join(o.out, "vibration");
  const recordings: Recording[] = [];
  let samples = 0;
  let defectOrders: Record<string, number> = {};
  for (const e of episodes) {
    if (e.context.windowing === "time") continue;
    const rpm = shaftRpm(e.context.params);
    if (rpm === null) {
      skipped.push({
        episodeId: e.episodeId,
        reason: "no shaft speed in the profile (shaftRpm/shaftHz): raw windows not exported",
      });
      continue;
    }
    const runs = await captureRuns(e);
    if (typeof runs === "string") {
      skipped.push({ episodeId: e.episodeId, reason: runs });
      continue;
    }
    await mkdir(join(vib, "signals"), { recursive: true });
    const orders = e.context.params.defectOrders;
    if (orders !== null && typeof orders === "object")
      defectOrders = { ...(orders as Record<string, number>), ...defectOrders };
    for (const [i, x] of runs.runs.entries()) {
      const file = `signals/${e.episodeId.replace(/[^A-Za-z0-9_.-]/g, "_")}-${i}.f32`;
      const bytes = f32le(x);
      await writeFile(join(vib, file), bytes);
      samples += x.length;
      recordings.push({
        file,
        label: e.label,
        fault_size_in: null,
        rpm,
        sampling_rate_hz: runs.rateHz,
        sample_count: x.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        dtype: "float32-le",
        units: "",
        site: e.site,
        asset: e.asset,
        episode_id: e.episodeId,
        verdict: e.verdict,
      });
    }
  }
  let baseCount = 0;
  if (recordings.length > 0) {
    const labels: string[] = [];
    const listed: unknown[] = [];
    let dataset = "edge-agent feedback: raw windows of advice episodes labelled by technicians";
    if (o.base !== undefined) {
      const base = await readCwruManifest(o.base);
      labels.push(...base.labels);
      if (Object.keys(base.defectOrders).length > 0) defectOrders = { ...base.defectOrders };
      dataset = `${base.dataset} + ${dataset}`;
      for (const r of base.recordings) {
        baseCount++;
        listed.push({
          file: relative(vib, join(o.base, r.file)),
          label: r.label,
          fault_size_in: r.faultSizeIn,
          or_position_oclock: r.orPositionOclock,
          load_hp: r.loadHp ?? undefined,
          rpm: r.rpm,
          sampling_rate_hz: r.sampleRateHz,
          sample_count: r.sampleCount,
          sha256: r.sha256 ?? undefined,
          units: r.units,
          dtype: "float32-le",
        });
      }
    }
    for (const r of recordings) if (!labels.includes(r.label)) labels.push(r.label);
    listed.push(...recordings);
    const manifest = { dataset, bearing_defect_orders: defectOrders, labels, recordings: listed };
    await writeFile(join(vib, "manifest.json"), `${JSON.stringify(manifest, null, 1)}\n`);
  }

  const summary: ExportSummary = {
    episodes: episodes.length,
    featureRows,
    recordings: recordings.length,
    recordingSamples: samples,
    baseRecordings: baseCount,
    skipped,
  };
  const verdicts = episodes.map((e) => ({
    episodeId: e.episodeId,
    site: e.site,
    asset: e.asset,
    model: e.model,
    modelVersion: e.modelVersion,
    advised: e.fault,
    verdict: e.verdict,
    faultCode: e.faultCode,
    label: e.label,
    feedbackAt: new Date(e.feedbackAtMs).toISOString(),
  }));
  await writeFile(
    join(o.out, "labels.json"),
    `${JSON.stringify({ since: new Date(o.sinceMs).toISOString(), summary, precision: store.precision(), episodes: verdicts }, null, 1)}\n`,
  );
  return summary;
}
