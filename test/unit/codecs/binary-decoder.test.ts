import { describe, expect, it } from "vitest";
import { createDecoder } from "../../../src/codecs/create-decoder.js";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import type { DecodeResult } from "../../../src/types.js";
import { makeProfile } from "./make-profile.js";

type BinaryInput = Extract<ProfileInput["codec"], { type: "binary" }>;

const decoderFor = (codec: Partial<BinaryInput>, channel: ProfileInput["channels"][string] = {}) =>
  createDecoder(makeProfile({ codec: { type: "binary", ...codec }, channels: { accel: channel } }));

/** Little-endian frame: optional f64 ts, optional f32 rate, then samples. */
function frame(opts: {
  ts?: number;
  fs?: number;
  f32?: readonly number[];
  i16?: readonly number[];
  extra?: number;
}): Uint8Array {
  const head = (opts.ts === undefined ? 0 : 8) + (opts.fs === undefined ? 0 : 4);
  const body = (opts.f32?.length ?? 0) * 4 + (opts.i16?.length ?? 0) * 2 + (opts.extra ?? 0);
  // An odd offset into a larger buffer: decoders must not assume alignment.
  const buf = new Uint8Array(head + body + 1).subarray(1);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (opts.ts !== undefined) v.setFloat64(0, opts.ts, true);
  if (opts.fs !== undefined) v.setFloat32(8, opts.fs, true);
  for (const [i, x] of (opts.f32 ?? []).entries()) v.setFloat32(head + i * 4, x, true);
  for (const [i, x] of (opts.i16 ?? []).entries()) v.setInt16(head + i * 2, x, true);
  return buf;
}

const summary = (r: DecodeResult) =>
  r.kind === "discarded" ? r.reason : r.readings.map((x) => [x.tsMs, x.sampleRateHz, Array.from(x.samples)]);

describe("binary decoder", () => {
  it.each([
    [
      "float32 samples after an f64 timestamp",
      { header: "ts-f64" },
      { ts: 1000.5, f32: [0.5, -2] },
      [[1000.5, Number.NaN, [0.5, -2]]],
    ],
    [
      "a timestamp and a rate header",
      { header: "ts-f64-fs-f32" },
      { ts: 7, fs: 25600, f32: [1] },
      [[7, 25600, [1]]],
    ],
    ["no header: the receive time", { header: "none" }, { f32: [3, 4] }, [[123, Number.NaN, [3, 4]]]],
    [
      "int16 counts",
      { header: "none", sampleFormat: "int16le" },
      { i16: [-32768, 0, 32767] },
      [[123, Number.NaN, [-32768, 0, 32767]]],
    ],
  ] as const)("decodes %s", (_what, codec, f, want) => {
    expect(summary(decoderFor(codec)(frame(f), 123))).toEqual(want);
  });

  it("turns int16 counts into units with the channel's scale, then offset", () => {
    const d = decoderFor({ header: "none", sampleFormat: "int16le" }, { scale: 0.001, offset: 1 });
    expect(summary(d(frame({ i16: [1000, -500] }), 0))).toEqual([[0, Number.NaN, [2, 0.5]]]);
  });

  it.each([
    ["wrong_length", "a payload shorter than its header", { header: "ts-f64" }, { extra: 5 }],
    ["wrong_length", "a body that is not whole samples", { header: "ts-f64" }, { ts: 1, f32: [1], extra: 2 }],
    ["wrong_length", "a header and no samples", { header: "ts-f64" }, { ts: 1 }],
    [
      "wrong_length",
      "a count other than samplesPerMessage",
      { header: "ts-f64", samplesPerMessage: 2 },
      { ts: 1, f32: [1] },
    ],
    ["non_finite", "a NaN sample", { header: "ts-f64" }, { ts: 1, f32: [1, Number.NaN] }],
    ["non_finite", "a NaN timestamp", { header: "ts-f64" }, { ts: Number.NaN, f32: [1] }],
    [
      "non_finite",
      "an infinite rate",
      { header: "ts-f64-fs-f32" },
      { ts: 1, fs: Number.POSITIVE_INFINITY, f32: [1] },
    ],
    ["bad_type", "a negative rate", { header: "ts-f64-fs-f32" }, { ts: 1, fs: -5, f32: [1] }],
    [
      "oversize",
      "a payload over maxPayloadBytes",
      { header: "none", maxPayloadBytes: 8 },
      { f32: [1, 2, 3] },
    ],
  ] as const)("discards as %s %s", (reason, _what, codec, f) => {
    expect(decoderFor(codec)(frame(f), 0)).toMatchObject({ kind: "discarded", reason });
  });

  it("discards as sample_rate_mismatch a header rate other than the channel's", () => {
    const d = decoderFor({ header: "ts-f64-fs-f32" }, { sampleRateHz: 12000 });
    expect(summary(d(frame({ ts: 1, fs: 12000, f32: [1] }), 0))).toEqual([[1, 12000, [1]]]);
    expect(d(frame({ ts: 1, fs: 11999, f32: [1] }), 0)).toMatchObject({ reason: "sample_rate_mismatch" });
  });

  it("copies the samples out, so the source may reuse its buffer", () => {
    const p = frame({ ts: 1, f32: [1, 2] });
    const r = decoderFor({ header: "ts-f64" })(p, 0);
    p.fill(0);
    expect(summary(r)).toEqual([[1, Number.NaN, [1, 2]]]);
  });
});
