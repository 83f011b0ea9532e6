import { describe, expect, it } from "vitest";
import { isFeatureError } from "../../../src/features/feature-error.js";
import { FeatureExtractor } from "../../../src/features/feature-extractor.js";
import { checkFeatureSpecs, knownFeatureNames, parseFeatureSpec } from "../../../src/features/registry.js";
import { featuresOf } from "./helpers.js";

const f32 = Math.fround;
const MILL = ["air_temp_k", "process_temp_k", "rpm", "torque_nm", "tool_wear_min", "type_code"];

/** One AI4I-like reading per channel (type L, a worn tool under high torque). */
const reading = {
  air_temp_k: Float32Array.of(298.4),
  process_temp_k: Float32Array.of(308.2),
  rpm: Float32Array.of(1282),
  torque_nm: Float32Array.of(60.7),
  tool_wear_min: Float32Array.of(216),
  type_code: Float32Array.of(0),
};

describe("two-channel derived features", () => {
  // [case, spec, expected value computed by hand from the float32 readings]
  const cases: [string, string, number][] = [
    ["ΔT = process − air temperature", "x_diff@process_temp_k:air_temp_k", f32(f32(308.2) - f32(298.4))],
    ["the difference the other way round", "x_diff@air_temp_k:process_temp_k", f32(f32(298.4) - f32(308.2))],
    ["torque × speed (power × 60/2π)", "x_prod@torque_nm:rpm", f32(f32(60.7) * 1282)],
    ["tool wear × torque (overstrain load)", "x_prod@tool_wear_min:torque_nm", f32(216 * f32(60.7))],
  ];

  it.each(cases)("%s", (_, spec, expected) => {
    expect(featuresOf([spec], reading, {}, Number.NaN)).toEqual([expected]);
  });

  it("gives the readings' physical values: ΔT 9.8 K, 8.149 kW, 13,111 min·Nm", () => {
    const [dT, power, load] = featuresOf(
      ["x_diff@process_temp_k:air_temp_k", "x_prod@torque_nm:rpm", "x_prod@tool_wear_min:torque_nm"],
      reading,
      {},
      Number.NaN,
    );
    expect(dT).toBeCloseTo(9.8, 4);
    expect(((power ?? 0) * 2 * Math.PI) / 60).toBeCloseTo(8149.0, 0);
    expect(load).toBeCloseTo(13111.2, 1);
  });

  it("reads the latest reading of each channel when they report at different rates", () => {
    const window = {
      torque_nm: Float32Array.of(40, 41, 42.5),
      rpm: Float32Array.of(1500, 1600),
    };
    expect(featuresOf(["x_prod@torque_nm:rpm", "x_diff@torque_nm:rpm"], window, {}, Number.NaN)).toEqual([
      f32(42.5 * 1600),
      f32(42.5 - 1600),
    ]);
  });

  it("equals the difference and product of s_last of each channel, in the same extractor", () => {
    const specs = ["s_last@process_temp_k", "x_diff@process_temp_k:air_temp_k", "s_last@air_temp_k"];
    const [process, dT, air] = featuresOf(specs, reading, {}, Number.NaN);
    expect(dT).toBe(f32(process! - air!));
  });

  it("is NaN when either channel has no reading in the window", () => {
    const { air_temp_k: _gone, ...withoutAir } = reading;
    const got = featuresOf(
      ["x_diff@process_temp_k:air_temp_k", "x_diff@air_temp_k:process_temp_k", "x_prod@torque_nm:rpm"],
      { ...withoutAir, air_temp_k: new Float32Array(0) },
      {},
      Number.NaN,
    );
    expect(got.slice(0, 2).every(Number.isNaN)).toBe(true);
    expect(got[2]).toBe(f32(f32(60.7) * 1282));
  });
});

describe("the registry with two-channel features", () => {
  it("lists them and parses both channels", () => {
    expect(knownFeatureNames()).toEqual(expect.arrayContaining(["x_diff", "x_prod"]));
    expect(parseFeatureSpec("x_prod@torque_nm:rpm")).toEqual({
      spec: "x_prod@torque_nm:rpm",
      name: "x_prod",
      channel: "torque_nm",
      channels: ["torque_nm", "rpm"],
    });
  });

  it("accepts specs whose two channels the profile has", () => {
    expect(
      checkFeatureSpecs(["x_diff@process_temp_k:air_temp_k", "x_prod@torque_nm:rpm", "s_last@rpm"], {}, MILL),
    ).toEqual([]);
  });

  // [case, spec, expected messages]
  const cases: [string, string, string[]][] = [
    [
      "an unknown second channel",
      "x_diff@process_temp_k:air_temp",
      ['"x_diff@process_temp_k:air_temp": unknown channel "air_temp" (channels: ' + `${MILL.join(", ")})`],
    ],
    [
      "two unknown channels, one message each",
      "x_prod@torque:speed",
      [
        `"x_prod@torque:speed": unknown channel "torque" (channels: ${MILL.join(", ")})`,
        `"x_prod@torque:speed": unknown channel "speed" (channels: ${MILL.join(", ")})`,
      ],
    ],
    ["no channel", "x_diff", ['"x_diff": x_diff reads 2 channels (write x_diff@a:b)']],
    ["one channel", "x_prod@rpm", ['"x_prod@rpm": x_prod reads 2 channels (write x_prod@a:b)']],
    [
      "three channels",
      "x_prod@rpm:torque_nm:tool_wear_min",
      ['"x_prod@rpm:torque_nm:tool_wear_min": x_prod reads 2 channels (write x_prod@a:b)'],
    ],
    [
      "two channels for a one-channel feature",
      "s_last@rpm:torque_nm",
      ['"s_last@rpm:torque_nm": s_last reads one channel (write s_last@channel)'],
    ],
    [
      "an empty channel name",
      "x_diff@rpm:",
      ['"x_diff@rpm:": a two-channel feature spec is "name@channel:channel"'],
    ],
  ];

  it.each(cases)("reports %s", (_, spec, expected) => {
    expect(checkFeatureSpecs([spec], {}, MILL)).toEqual(expected);
  });

  it("makes the extractor refuse a spec with the wrong number of channels", () => {
    const make = () =>
      new FeatureExtractor(["x_diff@rpm"], {
        primaryChannel: "rpm",
        sampleRateHz: Number.NaN,
        windowSamples: 1,
        params: {},
      });
    expect(make).toThrow(/x_diff reads 2 channels/);
    try {
      make();
    } catch (e) {
      expect(isFeatureError(e) && e.code).toBe("EA_FEATURE_PARAMS");
    }
  });
});
