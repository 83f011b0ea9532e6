import type { CodecConfig, Profile } from "../config/profile-schema.js";
import type { DecodeResult } from "../types.js";
import { blockChannel, buildBlockReading, ensureCapacity } from "./block-reading.js";
import type { Decoder } from "./decoder.js";
import { checkSize, discard } from "./discard.js";
import { JsonBlockScanner } from "./json-block-scanner.js";
import { own, parseJsonObject } from "./parse-json-object.js";

export type JsonBlockCodecConfig = Extract<CodecConfig, { type: "json-block" }>;

export interface JsonBlockDecoderOptions {
  /** Use the byte scanner before JSON.parse (default true). False: the generic path only, for tests. */
  readonly fastPath?: boolean;
  /** Samples in one reused array, valid until the next decode (see createDecoder). */
  readonly reuseSamples?: boolean;
}

/**
 * `{"ts": …, "fs": …, "samples": [...]}` → one reading of the codec's channel.
 *
 * Each payload first goes through the byte scanner (JsonBlockScanner); when the scanner is not
 * sure, the generic path (JSON.parse, then field checks) decides. Both paths end in the same
 * buildBlockReading, so the verdict and the values do not depend on which path ran.
 * Generic-path order of checks: bad_json; top level not an object → bad_type; ts missing,
 * samples missing → missing_field; ts not a number, rate present but not a number, samples not
 * an array, a sample not a number → bad_type; then buildBlockReading's checks.
 */
export function createJsonBlockDecoder(
  codec: JsonBlockCodecConfig,
  profile: Profile,
  options: JsonBlockDecoderOptions = {},
): Decoder {
  const channel = blockChannel(profile, codec.samplesPerMessage, options.reuseSamples ?? false);
  const tsFactor = codec.tsUnit === "s" ? 1000 : 1;
  const fastPath = options.fastPath ?? true;
  const fields = codec.fields;
  const scanner = new JsonBlockScanner(fields, codec.samplesPerMessage ?? 1024);
  let scratch: Float64Array = new Float64Array(codec.samplesPerMessage ?? 1024);

  function generic(payload: Uint8Array): DecodeResult {
    const parsed = parseJsonObject(payload);
    if (parsed.kind === "discarded") return parsed;
    const doc = parsed.value;
    const ts = own(doc, fields.ts);
    const samples = own(doc, fields.samples);
    const rate = own(doc, fields.sampleRate);
    if (ts === undefined) return discard("missing_field", `no "${fields.ts}" field`);
    if (samples === undefined) return discard("missing_field", `no "${fields.samples}" field`);
    if (typeof ts !== "number") return discard("bad_type", `"${fields.ts}" is not a number`);
    if (rate !== undefined && typeof rate !== "number") {
      return discard("bad_type", `"${fields.sampleRate}" is not a number`);
    }
    if (!Array.isArray(samples)) return discard("bad_type", `"${fields.samples}" is not an array`);
    const n = samples.length;
    scratch = ensureCapacity(scratch, n);
    for (let i = 0; i < n; i++) {
      const v: unknown = samples[i];
      if (typeof v !== "number") return discard("bad_type", `${fields.samples}[${i}] is not a number`);
      scratch[i] = v;
    }
    return buildBlockReading(channel, ts * tsFactor, rate, scratch, n);
  }

  return (payload) => {
    const tooBig = checkSize(payload, codec.maxPayloadBytes);
    if (tooBig !== null) return tooBig;
    if (fastPath && scanner.scan(payload)) {
      return buildBlockReading(
        channel,
        scanner.ts * tsFactor,
        scanner.sampleRateHz,
        scanner.values,
        scanner.count,
      );
    }
    return generic(payload);
  };
}
