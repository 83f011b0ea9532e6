import { describe, expect, it } from "vitest";
import type { FeatureParams } from "../../../src/config/profile-schema.js";
import { checkFeatureSpecs, knownFeatureNames, parseFeatureSpec } from "../../../src/features/registry.js";
import { CWRU_ORDERS, WORKLOAD_FEATURES } from "./helpers.js";

const NEEDS = "(shaftHz, shaftRpm or rpmChannel)";
const channels = ["acc", "temp", "rpm"];

describe("the feature registry", () => {
  it("knows the workload's 16 features and every family", () => {
    const names = knownFeatureNames();
    for (const n of WORKLOAD_FEATURES) expect(names).toContain(n);
    for (const n of ["env_<order>", "env_<order>_h2", "env_kurtosis", "s_mean", "s_slope", "s_last"]) {
      expect(names).toContain(n);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it("accepts the workload's features and channel-qualified ones", () => {
    expect(checkFeatureSpecs([...WORKLOAD_FEATURES, "rms@acc", "s_slope@temp"], {}, channels)).toEqual([]);
    const envParams = { shaftRpm: 1796, defectOrders: CWRU_ORDERS };
    expect(checkFeatureSpecs(["env_bpfo", "env_bpfi_h2", "env_kurtosis"], envParams, channels)).toEqual([]);
  });

  // [case, specs, params, expected messages]
  const cases: [string, string[], FeatureParams, string[]][] = [
    [
      "an env line without defect orders",
      ["env_bpfo"],
      { shaftRpm: 1796 },
      [`env_bpfo needs params.defectOrders.bpfo and a shaft speed ${NEEDS}`],
    ],
    [
      "an env line without a shaft speed",
      ["env_bpfi_h2"],
      { defectOrders: CWRU_ORDERS },
      [`env_bpfi_h2 needs params.defectOrders.bpfi and a shaft speed ${NEEDS}`],
    ],
    [
      "an order the bearing does not have",
      ["env_bpfx"],
      { shaftHz: 30, defectOrders: CWRU_ORDERS },
      [`env_bpfx needs params.defectOrders.bpfx and a shaft speed ${NEEDS}`],
    ],
    [
      "an inverted envelope band",
      ["env_kurtosis"],
      { envelopeBandHz: [5000, 2000] },
      ["env_kurtosis: params.envelopeBandHz must be [low, high] with low < high"],
    ],
    ["an unknown channel", ["rms@vib"], {}, ['"rms@vib": unknown channel "vib" (channels: acc, temp, rpm)']],
    [
      "a malformed spec",
      ["rms@acc@x", "@acc", "rms@"],
      {},
      [
        '"rms@acc@x": a feature spec is "name" or "name@channel"',
        '"@acc": a feature spec is "name" or "name@channel"',
        '"rms@": a feature spec is "name" or "name@channel"',
      ],
    ],
    [
      "an rpm channel the profile does not have",
      ["env_bpfo"],
      { rpmChannel: "tacho", defectOrders: CWRU_ORDERS },
      ['env_bpfo reads params.rpmChannel "tacho", which is not a channel (channels: acc, temp, rpm)'],
    ],
  ];

  it.each(cases)("reports %s", (_, specs, params, expected) => {
    expect(checkFeatureSpecs(specs, params, channels)).toEqual(expected);
  });

  it("reports an unknown feature with the names it knows", () => {
    const [message, ...rest] = checkFeatureSpecs(["rms", "kurtosys@acc"], {}, channels);
    expect(rest).toEqual([]);
    expect(message).toMatch(
      /^unknown feature "kurtosys" in "kurtosys@acc" \(known: mean, std, rms, .*env_<order>/,
    );
  });

  it("reports every bad spec at once, in order", () => {
    const problems = checkFeatureSpecs(["nope", "rms", "env_bpfo", "band9@acc"], {}, channels);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/"nope"/);
    expect(problems[1]).toMatch(/^env_bpfo needs/);
    expect(problems[2]).toMatch(/"band9" in "band9@acc"/);
  });

  it("checks the envelope band against Nyquist when given a sample rate", () => {
    expect(checkFeatureSpecs(["env_kurtosis"], {}, channels, 3000)).toEqual([
      "env_kurtosis: the envelope band [2000, 5000] Hz lies above the Nyquist frequency (1500 Hz); set params.envelopeBandHz",
    ]);
    expect(checkFeatureSpecs(["env_kurtosis"], { envelopeBandHz: [300, 1400] }, channels, 3000)).toEqual([]);
  });

  it.each([
    ["rms", { spec: "rms", name: "rms", channel: null, channels: [] }],
    ["s_mean@temp", { spec: "s_mean@temp", name: "s_mean", channel: "temp", channels: ["temp"] }],
  ])("parses %s", (spec, expected) => {
    expect(parseFeatureSpec(spec)).toEqual(expected);
  });
});
