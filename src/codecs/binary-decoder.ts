import type { CodecConfig, Profile } from "../config/profile-schema.js";
import { blockChannel, buildBlockReading, ensureCapacity } from "./block-reading.js";
import type { Decoder } from "./decoder.js";
import { checkSize, discard } from "./discard.js";

export type BinaryCodecConfig = Extract<CodecConfig, { type: "binary" }>;

const HEADER_BYTES = { none: 0, "ts-f64": 8, "ts-f64-fs-f32": 12 } as const;
const SAMPLE_BYTES = { float32le: 4, int16le: 2 } as const;

/**
 * Little-endian binary blocks: an optional header (`ts-f64`: float64 ms timestamp;
 * `ts-f64-fs-f32`: then a float32 sample rate) followed by float32 or int16 samples.
 * With `header: none` the time is the receive time and the rate is not given.
 * A payload shorter than its header, or whose remainder is not a whole number of samples, is
 * `wrong_length`; then the block checks of buildBlockReading (int16 samples are raw counts:
 * scale and offset turn them into units).
 */
export function createBinaryDecoder(
  codec: BinaryCodecConfig,
  profile: Profile,
  reuseSamples = false,
): Decoder {
  const channel = blockChannel(profile, codec.samplesPerMessage, reuseSamples);
  const headerBytes = HEADER_BYTES[codec.header];
  const sampleBytes = SAMPLE_BYTES[codec.sampleFormat];
  const float32 = codec.sampleFormat === "float32le";
  let scratch: Float64Array = new Float64Array(codec.samplesPerMessage ?? 1024);

  return (payload, receivedAtMs) => {
    const tooBig = checkSize(payload, codec.maxPayloadBytes);
    if (tooBig !== null) return tooBig;
    const bodyBytes = payload.length - headerBytes;
    if (bodyBytes < 0) {
      return discard("wrong_length", `${payload.length} bytes, shorter than the ${headerBytes}-byte header`);
    }
    if (bodyBytes % sampleBytes !== 0) {
      return discard(
        "wrong_length",
        `${bodyBytes} sample bytes is not a whole number of ${sampleBytes}-byte samples`,
      );
    }
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const tsMs = headerBytes >= 8 ? view.getFloat64(0, true) : receivedAtMs;
    const rate = headerBytes >= 12 ? view.getFloat32(8, true) : undefined;
    const n = bodyBytes / sampleBytes;
    scratch = ensureCapacity(scratch, n);
    const raw = scratch;
    if (float32) {
      for (let k = 0, at = headerBytes; k < n; k++, at += 4) raw[k] = view.getFloat32(at, true);
    } else {
      for (let k = 0, at = headerBytes; k < n; k++, at += 2) raw[k] = view.getInt16(at, true);
    }
    return buildBlockReading(channel, tsMs, rate, raw, n);
  };
}
