import { type Profile, primaryChannel } from "../config/profile-schema.js";
import type { DecodeResult } from "../types.js";
import { discard, readings } from "./discard.js";

/** What a block codec (json-block, csv-line block, binary) needs to know about its channel. */
export interface BlockChannel {
  readonly name: string;
  readonly scale: number;
  readonly offset: number;
  /** The rate the profile expects, if it says. */
  readonly sampleRateHz: number | undefined;
  /** The exact sample count a message must have, if the codec says. */
  readonly samplesPerMessage: number | undefined;
  /**
   * With `reuseSamples`, one Float32Array reused by every reading: a reading's samples are then
   * valid only until the next decode (the pipeline copies what it keeps). Null: a new array each time.
   */
  reused: Float32Array | null;
}

export function blockChannel(
  profile: Profile,
  samplesPerMessage: number | undefined,
  reuseSamples = false,
): BlockChannel {
  const name = primaryChannel(profile);
  const c = profile.channels[name];
  return {
    name,
    scale: c?.scale ?? 1,
    offset: c?.offset ?? 0,
    sampleRateHz: c?.sampleRateHz,
    samplesPerMessage,
    reused: reuseSamples ? new Float32Array(samplesPerMessage ?? 1024) : null,
  };
}

/** Rates are compared with this relative tolerance (a float32 header cannot hold every rate exactly). */
const RATE_TOLERANCE = 1e-6;

/**
 * The checks every block codec makes once a payload has been parsed, in this order:
 * 1. `tsMs` not finite → `non_finite`;
 * 2. the message's rate (undefined when it carries none): not finite → `non_finite`,
 *    ≤ 0 → `bad_type`, ≠ the channel's `sampleRateHz` → `sample_rate_mismatch`;
 * 3. no samples, or not `samplesPerMessage` → `wrong_length`;
 * 4. raw × scale + offset, rounded to float32, not finite → `non_finite`.
 * Otherwise one reading whose samples are a new Float32Array (the caller may reuse `raw`), or
 * the channel's reused array.
 */
export function buildBlockReading(
  ch: BlockChannel,
  tsMs: number,
  sampleRateHz: number | undefined,
  raw: Float64Array,
  count: number,
): DecodeResult {
  if (!Number.isFinite(tsMs)) return discard("non_finite", "ts is not finite");
  if (sampleRateHz !== undefined) {
    if (!Number.isFinite(sampleRateHz)) return discard("non_finite", "sample rate is not finite");
    if (sampleRateHz <= 0) return discard("bad_type", `sample rate ${sampleRateHz} is not positive`);
    const expected = ch.sampleRateHz;
    if (expected !== undefined && Math.abs(sampleRateHz - expected) > expected * RATE_TOLERANCE) {
      return discard(
        "sample_rate_mismatch",
        `sample rate ${sampleRateHz} Hz, channel "${ch.name}" expects ${expected} Hz`,
      );
    }
  }
  if (count === 0) return discard("wrong_length", "no samples");
  if (ch.samplesPerMessage !== undefined && count !== ch.samplesPerMessage) {
    return discard("wrong_length", `${count} samples, expected ${ch.samplesPerMessage}`);
  }
  const samples = ch.reused === null ? new Float32Array(count) : reusedSamples(ch, count);
  const { scale, offset } = ch;
  let check = 0;
  if (scale === 1 && offset === 0) {
    for (let i = 0; i < count; i++) {
      const y = Math.fround(raw[i]!);
      samples[i] = y;
      check += y - y;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const y = Math.fround(raw[i]! * scale + offset);
      samples[i] = y;
      check += y - y;
    }
  }
  if (check !== 0) return nonFiniteSample(raw, samples);
  return readings([{ channel: ch.name, tsMs, sampleRateHz: sampleRateHz ?? Number.NaN, samples }]);
}

function nonFiniteSample(raw: Float64Array, samples: Float32Array): DecodeResult {
  const i = samples.findIndex((v) => !Number.isFinite(v));
  const why = Number.isFinite(raw[i]) ? "is out of float32 range after scale and offset" : "is not finite";
  return discard("non_finite", `sample ${i} ${why}`);
}

/** A growable scratch buffer of raw sample values, reused across messages. */
export function ensureCapacity(buf: Float64Array, needed: number): Float64Array {
  if (needed <= buf.length) return buf;
  let size = Math.max(buf.length, 64);
  while (size < needed) size *= 2;
  const grown = new Float64Array(size);
  grown.set(buf);
  return grown;
}

/** The channel's reused sample array, `count` long (replaced when the block length changes). */
function reusedSamples(ch: BlockChannel, count: number): Float32Array {
  if (ch.reused!.length !== count) ch.reused = new Float32Array(count);
  return ch.reused!;
}
