import { describe, expect, it } from "vitest";
import { createDecoder } from "../../../src/codecs/create-decoder.js";
import type { Reading } from "../../../src/types.js";
import { bytes, makeProfile } from "./make-profile.js";

const profile = makeProfile({
  codec: { type: "json-scalar", maxPayloadBytes: 200 },
  channels: {
    temperature: { unit: "°C", field: "temp", scale: 0.1, offset: -40 },
    rpm: {},
    current: { unit: "A" },
  },
  windowing: { type: "time", durationMs: 10_000 },
});
const decode = createDecoder(profile);

const simple = (r: Reading) => ({
  channel: r.channel,
  tsMs: r.tsMs,
  rate: r.sampleRateHz,
  samples: Array.from(r.samples),
});

describe("json scalar decoder", () => {
  it("gives one single-sample reading per channel present, in profile order, with the rate NaN", () => {
    const r = decode(bytes('{"rpm": 1480, "ts": 1000, "temp": 715, "other": "x"}'), 0);
    if (r.kind !== "readings") throw new Error(r.detail);
    expect(r.readings.map(simple)).toEqual([
      { channel: "temperature", tsMs: 1000, rate: Number.NaN, samples: [31.5] },
      { channel: "rpm", tsMs: 1000, rate: Number.NaN, samples: [1480] },
    ]);
  });

  it("multiplies a timestamp in seconds by 1000", () => {
    const d = createDecoder(
      makeProfile({ codec: { type: "json-scalar", tsUnit: "s" }, channels: { rpm: {} } }),
    );
    const r = d(bytes('{"ts": 12.5, "rpm": 1}'), 0);
    expect(r.kind === "readings" && r.readings[0]?.tsMs).toBe(12500);
  });

  it.each([
    ["oversize", "a payload over maxPayloadBytes", `{"ts": 1, "rpm": 1, "pad": "${"x".repeat(200)}"}`],
    ["bad_json", "text that is not JSON", "{ts: 1}"],
    ["bad_type", "a top level that is not an object", "42"],
    ["missing_field", "a message without ts", '{"rpm": 1}'],
    ["bad_type", "a ts that is not a number", '{"ts": true, "rpm": 1}'],
    ["non_finite", "a ts beyond the double range", '{"ts": 1e400, "rpm": 1}'],
    ["missing_field", "a message with none of the channels", '{"ts": 1, "rpm_x": 1}'],
    ["bad_type", "a channel that is not a number", '{"ts": 1, "rpm": 1, "current": "3.2"}'],
    ["bad_type", "a channel that is null", '{"ts": 1, "current": null}'],
    ["non_finite", "a channel beyond the float32 range", '{"ts": 1, "rpm": 1e300}'],
  ] as const)("discards as %s %s", (reason, _what, text) => {
    expect(decode(bytes(text), 0)).toMatchObject({ kind: "discarded", reason });
  });

  it("does not take a channel from the object prototype", () => {
    const d = createDecoder(makeProfile({ codec: { type: "json-scalar" }, channels: { toString: {} } }));
    expect(d(bytes('{"ts": 1}'), 0)).toMatchObject({ reason: "missing_field" });
  });
});
