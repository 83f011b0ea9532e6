import { describe, expect, it } from "vitest";
import { createDecoder } from "../../../src/codecs/create-decoder.js";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import { bytes, makeProfile } from "./make-profile.js";

describe("createDecoder", () => {
  it.each([
    ["json-block", { type: "json-block" }, '{"ts": 5, "samples": [2]}'],
    ["json-scalar", { type: "json-scalar" }, '{"ts": 5, "accel": 2}'],
    ["csv-line", { type: "csv-line", columns: ["ts", "accel"] }, "5,2"],
    ["binary", { type: "binary", header: "none" }, new Uint8Array(new Float32Array([2]).buffer)],
  ] as const)("picks the %s codec from the profile", (_type, codec, payload) => {
    const decode = createDecoder(
      makeProfile({ codec: codec as ProfileInput["codec"], channels: { accel: { scale: 3 } } }),
    );
    const r = decode(typeof payload === "string" ? bytes(payload) : payload, 5);
    expect(
      r.kind === "readings" && r.readings.map((x) => [x.channel, x.tsMs, Array.from(x.samples)]),
    ).toEqual([["accel", 5, [6]]]);
  });

  it("decodes the samples of the codec's channel when the profile has several", () => {
    const decode = createDecoder(
      makeProfile({ codec: { type: "json-block", channel: "b" }, channels: { a: {}, b: { offset: 1 } } }),
    );
    const r = decode(bytes('{"ts": 1, "samples": [1]}'), 0);
    expect(r.kind === "readings" && r.readings[0]).toMatchObject({
      channel: "b",
      samples: Float32Array.of(2),
    });
  });
});
