import { bench, describe } from "vitest";
import { createJsonBlockDecoder, type JsonBlockCodecConfig } from "../../../src/codecs/json-block-decoder.js";
import { JsonBlockScanner } from "../../../src/codecs/json-block-scanner.js";
import { makeProfile } from "./make-profile.js";
import { seeded } from "./random-json-block.js";

/**
 * The benchmark's message: 1024 samples with 6 significant digits.
 * Run with `npx vitest bench --run test/unit/codecs`.
 */
const rand = seeded(42);
const payloads = Array.from({ length: 64 }, (_, m) => {
  const samples = Array.from({ length: 1024 }, (_, i) =>
    Number(((Math.sin(i * 0.3) + (rand() - 0.5) * 0.2) * 2.5).toPrecision(6)),
  );
  const text = `{"ts": ${1732862400123.456 + m}, "fs": 12000, "unit": "g", "samples": [${samples.join(", ")}]}`;
  return new TextEncoder().encode(text);
});

const profile = makeProfile({
  codec: { type: "json-block" },
  channels: { accel: { unit: "g", sampleRateHz: 12000 } },
});
const codec = profile.codec as JsonBlockCodecConfig;
const fast = createJsonBlockDecoder(codec, profile);
const generic = createJsonBlockDecoder(codec, profile, { fastPath: false });
const scanner = new JsonBlockScanner(codec.fields);
const utf8 = new TextDecoder();
let k = 0;
const next = () => payloads[k++ & 63]!;

describe("json block, 1024 samples of 6 significant digits", () => {
  bench("byte scanner only", () => {
    scanner.scan(next());
  });
  bench("decoder, fast path (scanner + Float32Array reading)", () => {
    fast(next(), 0);
  });
  bench("decoder, generic path (JSON.parse + checks)", () => {
    generic(next(), 0);
  });
  bench("baseline: JSON.parse + copy into a Float32Array", () => {
    const samples: number[] = JSON.parse(utf8.decode(next())).samples;
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) out[i] = samples[i]!;
  });
});
