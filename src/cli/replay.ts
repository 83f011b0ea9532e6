import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { parseArgs } from "node:util";
import type { ResolvedAsset } from "../config/load-config.js";
import { primaryChannel } from "../config/profile-schema.js";
import { loadModel, releaseModel } from "../inference/load-model.js";
import { type ReplayInput, type ReplayResult, replay, signalReadings } from "../pipeline/replay-runner.js";
import { EX_CONFIG, EX_DATAERR, EX_OK, EX_USAGE } from "./exit-codes.js";
import { loadOrReport } from "./run.js";

const USAGE = `edge-agent replay --config FLEET --file RECORDING [--asset SITE/ASSET] [--rpm R] [--start ISO] [--json]

RECORDING is either raw little-endian float32 samples of the profile's primary channel
(.f32, .bin, .raw: the profile's sample rate, contiguous from --start), or one payload per line
in the profile's codec (.jsonl, .csv, .txt: each line as it would arrive on the topic or port,
e.g. {"ts": …, "air_temp_k": 298.1, …} for a JSON-scalar profile). Time windows close at the
next reading's time; the last one closes at the end of the file. Payload times from 1973 on
are printed as ISO times, others as seconds from --start.`;

/** `edge-agent replay`: a recording through one asset's full pipeline, printing the advice timeline. */
export async function replayCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: "string", short: "c" },
      file: { type: "string", short: "f" },
      asset: { type: "string" },
      rpm: { type: "string" },
      start: { type: "string" },
      json: { type: "boolean", default: false },
    },
  });
  if (!values.config || !values.file) {
    process.stderr.write(`${USAGE}\n`);
    return EX_USAGE;
  }
  const config = loadOrReport(values.config, (l) => process.stderr.write(`${l}\n`));
  if (config === null) return EX_CONFIG;
  let asset = values.asset ? config.assets.find((a) => a.ref.key === values.asset) : config.assets[0];
  if (asset === undefined) {
    process.stderr.write(`no enabled asset ${values.asset ?? ""} in ${values.config}\n`);
    return EX_USAGE;
  }
  if (values.rpm !== undefined) asset = withShaftRpm(asset, Number(values.rpm));
  const startMs = values.start ? Date.parse(values.start) : 0;
  let inputs: Iterable<ReplayInput>;
  try {
    inputs = readRecording(values.file, asset, startMs);
  } catch (err) {
    process.stderr.write(`cannot read ${values.file}: ${(err as Error).message}\n`);
    return EX_DATAERR;
  }
  const model = await loadModel(asset.modelDir);
  let result: ReplayResult;
  try {
    result = await replay(asset, model, inputs);
  } finally {
    await releaseModel(model);
  }
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ asset: asset.ref.key, model: model.manifest.name, ...result })}\n`,
    );
  } else {
    process.stdout.write(formatTimeline(asset, result, startMs, model.manifest.output.unit ?? ""));
  }
  return EX_OK;
}

/** The recording as pipeline inputs: raw float32 samples, or one payload per line. */
export function readRecording(file: string, asset: ResolvedAsset, startMs: number): Iterable<ReplayInput> {
  const bytes = readFileSync(file);
  const ext = extname(file).toLowerCase();
  const p = asset.profile;
  if (ext === ".f32" || ext === ".bin" || ext === ".raw") {
    if (bytes.byteLength % 4 !== 0) throw new Error("length is not a whole number of float32 samples");
    const channel = primaryChannel(p);
    const fs = p.channels[channel]?.sampleRateHz;
    if (fs === undefined) throw new Error(`the profile gives no sampleRateHz for channel ${channel}`);
    const signal = new Float32Array(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    const block = p.windowing.type === "time" ? 1 : p.windowing.samples;
    return signalReadings(signal, channel, fs, startMs, block);
  }
  const lines = bytes
    .toString("utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  return lines.map((l) => ({ kind: "payload", bytes: Buffer.from(l, "utf8") }) as ReplayInput);
}

function withShaftRpm(a: ResolvedAsset, rpm: number): ResolvedAsset {
  const { shaftHz: _hz, ...params } = a.profile.model.params;
  return {
    ...a,
    profile: { ...a.profile, model: { ...a.profile.model, params: { ...params, shaftRpm: rpm } } },
  };
}

/** Times from about 1973 on are wall-clock times (payloads carry them): shown as ISO times. */
const ABSOLUTE_FROM_MS = 1e11;

/** When an advice changed: its ISO time for wall-clock data, else seconds after `startMs`. */
export function formatWhen(tsMs: number, startMs: number): string {
  if (Math.abs(tsMs) >= ABSOLUTE_FROM_MS) return new Date(tsMs).toISOString();
  return `+${((tsMs - startMs) / 1000).toFixed(2).padStart(9)} s`;
}

export function formatTimeline(asset: ResolvedAsset, r: ReplayResult, startMs: number, unit = ""): string {
  const out: string[] = [];
  out.push(
    `replay of ${asset.ref.key} (profile ${asset.profileName}): ${r.windows} windows, ${r.predictions} predictions`,
  );
  out.push(
    `predicted classes: ${
      Object.entries(r.classCounts)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none"
    }`,
  );
  if (r.values !== undefined) {
    const v = r.values;
    const u = unit === "" ? "" : ` ${unit}`;
    const f = (x: number) => `${x.toFixed(1)}${u}`;
    out.push(`predicted values: first ${f(v.first)}, last ${f(v.last)}, min ${f(v.min)}, max ${f(v.max)}`);
  }
  const d = Object.entries(r.discarded);
  if (d.length > 0) out.push(`discarded: ${d.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  const w = r.windowStats;
  const dropped = [
    w.droppedSparse > 0 ? `${w.droppedSparse} time window(s) with too few readings (minReadings)` : "",
    w.late > 0 ? `${w.late} late reading(s)` : "",
    w.gaps > 0 ? `${w.gaps} gap(s)` : "",
    w.rateMismatches > 0 ? `${w.rateMismatches} sample-rate change(s)` : "",
  ].filter((x) => x !== "");
  if (dropped.length > 0) out.push(`windows: ${dropped.join(", ")}`);
  out.push(r.timeline.length === 0 ? "advice: no change" : "advice timeline:");
  for (const a of r.timeline) {
    const what = a.transition === "recover" ? `back to ${a.fault}` : `${a.fault} (${a.severity})`;
    const value = Number.isFinite(a.value) ? `  value=${a.value.toFixed(1)}` : "";
    out.push(
      `  ${formatWhen(a.windowTsMs, startMs)}  ${a.transition.padEnd(10)} ${what}  p=${a.confidence.toFixed(3)}${value}  ${a.action}`,
    );
  }
  return `${out.join("\n")}\n`;
}
