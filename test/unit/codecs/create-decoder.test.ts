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

  it.each([
    ["json-block", { type: "json-block" }, (v: number) => bytes(`{"ts": 5, "samples": [${v}, ${v + 1}]}`)],
    [
      "binary",
      { type: "binary", header: "none" },
      (v: number) => new Uint8Array(Float32Array.of(v, v + 1).buffer),
    ],
  ] as const)(
    "with reuseSamples, the %s codec hands out one array for every message",
    (_t, codec, payload) => {
      const profile = makeProfile({ codec: codec as ProfileInput["codec"], channels: { accel: {} } });
      const reused = createDecoder(profile, { reuseSamples: true });
      const fresh = createDecoder(profile);
      const a = reused(payload(1), 0);
      const first = a.kind === "readings" ? a.readings[0]!.samples : null;
      expect(Array.from(first!)).toEqual([1, 2]);
      const b = reused(payload(7), 0);
      const second = b.kind === "readings" ? b.readings[0]!.samples : null;
      expect(second).toBe(first);
      expect(Array.from(second!)).toEqual([7, 8]);
      const c = fresh(payload(1), 0);
      const d = fresh(payload(7), 0);
      expect(
        c.kind === "readings" && d.kind === "readings" && c.readings[0]!.samples !== d.readings[0]!.samples,
      ).toBe(true);
    },
  );
});
