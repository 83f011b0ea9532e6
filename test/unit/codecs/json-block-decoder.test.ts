import { describe, expect, it } from "vitest";
import { createDecoder } from "../../../src/codecs/create-decoder.js";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import type { DecodeResult, Reading } from "../../../src/types.js";
import { bytes, makeProfile } from "./make-profile.js";

const decoderFor = (
  codec: Partial<Extract<ProfileInput["codec"], { type: "json-block" }>> = {},
  channel = {},
) => createDecoder(makeProfile({ codec: { type: "json-block", ...codec }, channels: { accel: channel } }));

function only(r: DecodeResult): Reading {
  if (r.kind !== "readings") throw new Error(`expected readings, got ${r.reason}: ${r.detail}`);
  expect(r.readings).toHaveLength(1);
  return r.readings[0]!;
}

describe("json block decoder", () => {
  it("turns the benchmark's message into one reading of the channel, samples as Float32Array", () => {
    const decode = decoderFor({}, { sampleRateHz: 12000 });
    const r = only(
      decode(bytes('{"ts": 1732862400123.456, "fs": 12000, "unit": "g", "samples": [0.5, -1.25, 3]}'), 7),
    );
    expect(r).toEqual({
      channel: "accel",
      tsMs: 1732862400123.456,
      sampleRateHz: 12000,
      samples: expect.any(Float32Array),
    });
    expect(Array.from(r.samples)).toEqual([0.5, -1.25, 3]);
  });

  it("reads the fields in any order, under the names the codec gives them", () => {
    const decode = decoderFor({ fields: { ts: "time", sampleRate: "rate", samples: "v" } });
    const r = only(decode(bytes('{"v":[1,2],"meta":{"a":[true,null,"x"]},"rate":100,"time":5}'), 0));
    expect([r.tsMs, r.sampleRateHz, Array.from(r.samples)]).toEqual([5, 100, [1, 2]]);
  });

  it("multiplies a timestamp in seconds by 1000", () => {
    const r = only(decoderFor({ tsUnit: "s" })(bytes('{"ts": 1732862400.5, "samples": [1]}'), 0));
    expect(r.tsMs).toBe(1732862400500);
  });

  it("leaves the sample rate NaN when the message does not carry one", () => {
    const r = only(decoderFor()(bytes('{"ts": 1, "samples": [1]}'), 0));
    expect(r.sampleRateHz).toBeNaN();
  });

  it("applies the channel's scale first, then its offset", () => {
    const r = only(decoderFor({}, { scale: 10, offset: 1 })(bytes('{"ts": 1, "samples": [2, -0.5]}'), 0));
    expect(Array.from(r.samples)).toEqual([21, -4]);
  });

  it("gives every message its own samples array, still intact after the next decode", () => {
    const decode = decoderFor();
    const first = only(decode(bytes('{"ts": 1, "samples": [1, 2, 3]}'), 0));
    only(decode(bytes('{"ts": 2, "samples": [7, 8, 9]}'), 0));
    expect(Array.from(first.samples)).toEqual([1, 2, 3]);
  });

  it("grows its buffers for a message longer than any before", () => {
    const samples = Array.from({ length: 5000 }, (_, i) => i / 8);
    const r = only(decoderFor()(bytes(JSON.stringify({ ts: 1, samples })), 0));
    expect(Array.from(r.samples)).toEqual(samples);
  });

  it.each([
    [
      "oversize",
      "a payload over maxPayloadBytes, even when it is not JSON",
      { maxPayloadBytes: 16 },
      "x".repeat(17),
    ],
    ["bad_json", "text that is not JSON", {}, '{"ts": 1, "samples": [1, 2'],
    ["bad_json", "NaN, which JSON has no spelling for", {}, '{"ts": 1, "samples": [NaN]}'],
    ["bad_type", "a top level that is not an object", {}, "[1, 2]"],
    ["missing_field", "a message without ts", {}, '{"samples": [1]}'],
    ["missing_field", "a message without samples", {}, '{"ts": 1}'],
    ["bad_type", "a ts that is a string", {}, '{"ts": "1", "samples": [1]}'],
    ["bad_type", "a rate that is null", {}, '{"ts": 1, "fs": null, "samples": [1]}'],
    ["bad_type", "samples that are not an array", {}, '{"ts": 1, "samples": {"0": 1}}'],
    ["bad_type", "a sample that is a string", {}, '{"ts": 1, "samples": [1, "2"]}'],
    ["bad_type", "a rate that is not positive", {}, '{"ts": 1, "fs": 0, "samples": [1]}'],
    ["non_finite", "a sample beyond the double range", {}, '{"ts": 1, "samples": [1, 1e400]}'],
    ["non_finite", "a sample beyond the float32 range", {}, '{"ts": 1, "samples": [1e39]}'],
    ["non_finite", "a ts beyond the double range", {}, '{"ts": 1e999, "samples": [1]}'],
    ["wrong_length", "an empty samples array", {}, '{"ts": 1, "samples": []}'],
    [
      "wrong_length",
      "a count other than samplesPerMessage",
      { samplesPerMessage: 3 },
      '{"ts": 1, "samples": [1, 2]}',
    ],
  ] as const)("discards as %s %s", (reason, _what, codec, text) => {
    const r = decoderFor(codec)(bytes(text), 0);
    expect(r).toMatchObject({ kind: "discarded", reason });
  });

  it("discards as sample_rate_mismatch a message whose rate is not the channel's", () => {
    const r = decoderFor({}, { sampleRateHz: 12000 })(bytes('{"ts": 1, "fs": 6000, "samples": [1]}'), 0);
    expect(r).toEqual({
      kind: "discarded",
      reason: "sample_rate_mismatch",
      detail: 'sample rate 6000 Hz, channel "accel" expects 12000 Hz',
    });
  });

  it("keeps a discard's detail short and quotes at most 40 printable characters of the payload", () => {
    const secret = `{"ts": 1, "samples": [${"1,".repeat(5000)}oops]} \u0007\u001b[31m`;
    const r = decoderFor()(bytes(secret), 0);
    expect(r.kind).toBe("discarded");
    if (r.kind !== "discarded") return;
    expect(r.detail.length).toBeLessThanOrEqual(80);
    expect([...r.detail].filter((ch) => ch < " ")).toEqual([]);
  });

  it("takes a leading byte-order mark, as the UTF-8 decoder does", () => {
    const p = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"ts": 1, "samples": [1]}')]);
    expect(only(decoderFor()(p, 0)).tsMs).toBe(1);
  });

  it("keeps the last of repeated keys, as JSON.parse does", () => {
    const r = only(decoderFor()(bytes('{"ts": 1, "samples": [1, 2, 3], "ts": 2, "samples": [4]}'), 0));
    expect([r.tsMs, Array.from(r.samples)]).toEqual([2, [4]]);
  });
});
