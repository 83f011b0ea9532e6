import { describe, expect, it } from "vitest";
import { createDecoder } from "../../../src/codecs/create-decoder.js";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import type { DecodeResult } from "../../../src/types.js";
import { bytes, makeProfile } from "./make-profile.js";

const scalar = createDecoder(
  makeProfile({
    codec: { type: "csv-line", columns: ["ts", "temperature", "rpm"], tsUnit: "s" },
    channels: { temperature: { scale: 2, offset: 1 }, rpm: {} },
    windowing: { type: "time", durationMs: 1000 },
  }),
);

const blockDecoder = (codec: Partial<Extract<ProfileInput["codec"], { type: "csv-line" }>> = {}) =>
  createDecoder(
    makeProfile({
      codec: { type: "csv-line", columns: ["ts", "fs"], mode: "block", ...codec },
      channels: { accel: { sampleRateHz: 100 } },
    }),
  );

const summary = (r: DecodeResult) =>
  r.kind === "discarded"
    ? r.reason
    : r.readings.map((x) => [x.channel, x.tsMs, x.sampleRateHz, Array.from(x.samples)]);

describe("csv line decoder, scalar mode", () => {
  it.each([
    [
      "one line",
      "12.5,20,1480",
      [
        ["temperature", 12500, Number.NaN, [41]],
        ["rpm", 12500, Number.NaN, [1480]],
      ],
    ],
    [
      "a trailing CRLF and spaces around cells",
      " 1 , -0.5 ,3e2\r\n",
      [
        ["temperature", 1000, Number.NaN, [0]],
        ["rpm", 1000, Number.NaN, [300]],
      ],
    ],
  ])("decodes %s into one reading per channel column", (_what, line, want) => {
    expect(summary(scalar(bytes(line), 0))).toEqual(want);
  });

  it.each([
    ["bad_csv", "too few columns", "1,2"],
    ["bad_csv", "too many columns", "1,2,3,4"],
    ["bad_csv", "two lines", "1,2,3\n4,5,6"],
    ["bad_csv", "an empty line", "\n"],
    ["missing_field", "an empty cell", "1,,3"],
    ["bad_type", "a cell that is not a number", "1,abc,3"],
    ["bad_type", "a hexadecimal cell", "1,0x10,3"],
    ["bad_type", "a quoted cell", '1,"2",3'],
    ["non_finite", "a NaN cell", "1,NaN,3"],
    ["non_finite", "an -inf cell", "1,2,-inf"],
    ["non_finite", "a ts beyond the double range", "1e400,2,3"],
    ["non_finite", "a value beyond float32 after scale", "1,2e38,3"],
  ] as const)("discards as %s %s", (reason, _what, line) => {
    expect(scalar(bytes(line), 0)).toMatchObject({ kind: "discarded", reason });
  });

  it("uses the receive time when there is no ts column", () => {
    const d = createDecoder(
      makeProfile({ codec: { type: "csv-line", columns: ["rpm"] }, channels: { rpm: {} } }),
    );
    expect(summary(d(bytes("1480"), 777))).toEqual([["rpm", 777, Number.NaN, [1480]]]);
  });

  it("splits on the configured delimiter", () => {
    const d = createDecoder(
      makeProfile({
        codec: { type: "csv-line", columns: ["ts", "rpm"], delimiter: ";" },
        channels: { rpm: {} },
      }),
    );
    expect(summary(d(bytes("5;1.5"), 0))).toEqual([["rpm", 5, Number.NaN, [1.5]]]);
  });
});

describe("csv line decoder, block mode", () => {
  it("takes the cells after the named columns as samples of the channel, with ts and fs", () => {
    expect(summary(blockDecoder()(bytes("1000,100,0.5,-1,2"), 0))).toEqual([
      ["accel", 1000, 100, [0.5, -1, 2]],
    ]);
  });

  it("ignores named columns other than ts and fs", () => {
    const d = blockDecoder({ columns: ["seq", "ts"] });
    expect(summary(d(bytes("17,1000,1,2"), 0))).toEqual([["accel", 1000, Number.NaN, [1, 2]]]);
  });

  it.each([
    ["bad_csv", "fewer cells than named columns", "1000"],
    ["wrong_length", "no samples after the named columns", "1000,100"],
    ["sample_rate_mismatch", "a rate other than the channel's", "1000,50,1,2"],
    ["bad_type", "a sample that is not a number", "1000,100,1,x"],
    ["missing_field", "an empty sample", "1000,100,1,,2"],
    ["non_finite", "an infinite sample", "1000,100,1,Infinity"],
  ] as const)("discards as %s %s", (reason, _what, line) => {
    expect(blockDecoder()(bytes(line), 0)).toMatchObject({ kind: "discarded", reason });
  });

  it("discards as oversize a line over maxPayloadBytes", () => {
    expect(blockDecoder({ maxPayloadBytes: 8 })(bytes("1000,100,1"), 0)).toMatchObject({
      reason: "oversize",
    });
  });
});
