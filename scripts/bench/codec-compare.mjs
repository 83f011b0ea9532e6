#!/usr/bin/env node
// The binary codec beside JSON on the workload's windows (1024 samples at 12 kHz): µs per
// message to decode, and to decode + window + compute the 16 features (the agent's per-asset
// pipeline without MQTT and inference). One core, after a warm-up; `npm run build` first.
//
//   taskset -c 1 node scripts/bench/codec-compare.mjs [--messages 50000]
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = (p) => import(join(ROOT, "dist", p));
const { values } = parseArgs({ options: { messages: { type: "string", default: "50000" } } });
const N = Number(values.messages);

const { profileSchema } = await dist("config/profile-schema.js");
const { createDecoder } = await dist("codecs/create-decoder.js");
const { createWindower } = await dist("windows/create-windower.js");
const { FeatureExtractor } = await dist("features/feature-extractor.js");
const { makeWindow, mulberry32, CONDITIONS } = await import(join(ROOT, "../shared/bench/loadgen/signal.mjs"));

const { WORKLOAD_FEATURES: FEATURES } = await dist("features/workload-features.js");
const base = {
  transport: { type: "mqtt" },
  channels: { vibration: { unit: "g", sampleRateHz: 12000 } },
  windowing: { type: "block", samples: 1024 },
  model: { name: "bench-mlp" },
  advice: { classes: { normal: { severity: "ok" } } },
};
const profiles = {
  "json-block": profileSchema.parse({ ...base, codec: { type: "json-block", samplesPerMessage: 1024 } }),
  "binary float32le + ts-f64 header": profileSchema.parse({
    ...base,
    codec: { type: "binary", sampleFormat: "float32le", header: "ts-f64", samplesPerMessage: 1024 },
  }),
};

// The same 200 windows as the load generator's pool, in both encodings.
const rand = mulberry32(7);
const pool = Array.from({ length: 200 }, (_, i) => makeWindow(rand, CONDITIONS[i % 4]));
const payloads = {
  "json-block": pool.map((w, i) =>
    Buffer.from(`{"ts":${1732862400123.456 + i},"fs":12000,"unit":"g","samples":[${w.join(",")}]}`),
  ),
  "binary float32le + ts-f64 header": pool.map((w, i) => {
    const b = Buffer.alloc(8 + 4 * w.length);
    b.writeDoubleLE(1732862400123.456 + i, 0);
    for (let k = 0; k < w.length; k++) b.writeFloatLE(w[k], 8 + 4 * k);
    return b;
  }),
};

function time(fn) {
  for (let i = 0; i < 5000; i++) fn(i); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < N; i++) fn(i);
  return ((performance.now() - t0) * 1000) / N;
}

console.log(`${N} messages of 1024 samples, µs per message (one core)`);
for (const [name, profile] of Object.entries(profiles)) {
  const msgs = payloads[name];
  const decode = createDecoder(profile, { reuseSamples: true });
  const windower = createWindower(profile);
  const fx = new FeatureExtractor(FEATURES, {
    primaryChannel: "vibration",
    sampleRateHz: 12000,
    windowSamples: 1024,
    params: {},
  });
  const row = new Float32Array(fx.size);
  let sink = 0;
  const decodeOnly = time((i) => {
    const r = decode(msgs[i % 200], 0);
    if (r.kind !== "readings") throw new Error(`${name}: ${r.reason} ${r.detail}`);
    sink += r.readings[0].samples[0];
  });
  const pipeline = time((i) => {
    const r = decode(msgs[i % 200], 0);
    for (const w of windower.push(r.readings[0])) {
      fx.compute(w, row, 0);
      sink += row[0];
    }
  });
  // The results are used, so that no work is optimised away.
  if (!Number.isFinite(sink)) throw new Error("non-finite features");
  const bytes = msgs.reduce((s, m) => s + m.length, 0) / msgs.length;
  console.log(
    `${name.padEnd(34)} ${bytes.toFixed(0).padStart(6)} B/msg   decode ${decodeOnly.toFixed(1).padStart(5)}   decode+window+features ${pipeline.toFixed(1).padStart(5)}`,
  );
}
