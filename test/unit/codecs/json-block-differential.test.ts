import { describe, expect, it } from "vitest";
import type { ProfileInput } from "../../../src/config/profile-schema.js";
import { createJsonBlockDecoder, type JsonBlockCodecConfig } from "../../../src/codecs/json-block-decoder.js";
import { JsonBlockScanner } from "../../../src/codecs/json-block-scanner.js";
import { scanNumber } from "../../../src/codecs/json-scan.js";
import type { DecodeResult } from "../../../src/types.js";
import { makeProfile } from "./make-profile.js";
import { mutatedPayload, randomNumber, seeded, TRICKY_NUMBERS, validPayload } from "./random-json-block.js";

/**
 * The byte scanner is an optimisation only: for every payload the decoder with the fast path
 * must give exactly what JSON.parse and the generic checks give.
 */

interface Case {
  name: string;
  codec: ProfileInput["codec"];
  channels: ProfileInput["channels"];
  rates: number[];
  /** Sample counts to favour, when the codec fixes one. */
  counts?: number[];
}

const CASES: Case[] = [
  { name: "default fields", codec: { type: "json-block" }, channels: { accel: {} }, rates: [12000, 25600] },
  {
    name: "renamed fields, seconds, scale and offset, an expected rate",
    codec: { type: "json-block", fields: { ts: "time", sampleRate: "rate", samples: "v" }, tsUnit: "s" },
    channels: { vib: { scale: 9.80665, offset: -0.5, sampleRateHz: 12000 } },
    rates: [12000, 12000, 6000],
  },
  {
    name: "a fixed samplesPerMessage and a scale that overflows float32",
    codec: { type: "json-block", samplesPerMessage: 4, channel: "b" },
    channels: { a: {}, b: { scale: 1e25 } },
    rates: [100],
    counts: [4],
  },
];

const enc = new TextEncoder();
const PAYLOADS = 3000;

/** Results as plain data; -0 spelled out because it must survive as -0. */
function plain(r: DecodeResult): unknown {
  if (r.kind === "discarded") return r;
  const k = (v: number) => (Object.is(v, -0) ? "-0" : v);
  return r.readings.map((x) => ({ ...x, tsMs: k(x.tsMs), samples: Array.from(x.samples, k) }));
}

function decoders(c: Case) {
  const profile = makeProfile({ codec: c.codec, channels: c.channels });
  const codec = profile.codec as JsonBlockCodecConfig;
  return {
    codec,
    fast: createJsonBlockDecoder(codec, profile),
    generic: createJsonBlockDecoder(codec, profile, { fastPath: false }),
  };
}

describe.each(CASES)("json block fast path with $name", (c) => {
  it("gives the same verdict, reason, detail and values as JSON.parse on seeded valid payloads", () => {
    const { codec, fast, generic } = decoders(c);
    const r = seeded(1);
    let accepted = 0;
    for (let k = 0; k < PAYLOADS; k++) {
      const p = enc.encode(validPayload(r, codec.fields, c.rates, c.counts));
      const want = plain(generic(p, 0));
      expect(plain(fast(p, 0)), new TextDecoder().decode(p)).toEqual(want);
      if (Array.isArray(want)) accepted++;
    }
    expect(accepted).toBeGreaterThan(PAYLOADS / 10);
  });

  it("gives the same verdict, reason, detail and values as JSON.parse on seeded broken payloads", () => {
    const { codec, fast, generic } = decoders(c);
    const r = seeded(2);
    const reasons = new Set<string>();
    for (let k = 0; k < PAYLOADS; k++) {
      const p = mutatedPayload(r, codec.fields, c.rates, c.counts);
      const want = generic(p, 0);
      expect(plain(fast(p, 0)), new TextDecoder().decode(p)).toEqual(plain(want));
      reasons.add(want.kind === "discarded" ? want.reason : "accepted");
    }
    for (const reason of ["accepted", "bad_json", "bad_type", "missing_field", "non_finite"]) {
      expect(reasons).toContain(reason);
    }
  });

  it("accepts every valid payload on the fast path, with JSON.parse's exact doubles", () => {
    const { codec } = decoders(c);
    const scanner = new JsonBlockScanner(codec.fields, 4);
    const r = seeded(3);
    for (let k = 0; k < PAYLOADS; k++) {
      const text = validPayload(r, codec.fields, c.rates, c.counts);
      expect(scanner.scan(enc.encode(text)), text).toBe(true);
      const doc = JSON.parse(text);
      const want: number[] = doc[codec.fields.samples];
      const got = Array.from(scanner.values.subarray(0, scanner.count));
      const differs = got.length !== want.length || got.some((v, i) => !Object.is(v, want[i]));
      if (differs) expect(got, text).toEqual(want);
      expect(Object.is(scanner.ts, doc[codec.fields.ts])).toBe(true);
      expect(scanner.sampleRateHz).toBe(doc[codec.fields.sampleRate]);
    }
  });
});

describe("scanNumber", () => {
  const slot = { value: 0 };
  const scanAll = (text: string) => {
    const b = enc.encode(text);
    return scanNumber(b, 0, b.length, slot) === b.length ? slot.value : "invalid";
  };

  it.each(TRICKY_NUMBERS)("reads %s as JSON.parse does", (text) => {
    expect(Object.is(scanAll(text), JSON.parse(text))).toBe(true);
  });

  it("reads 50,000 seeded random numbers exactly as JSON.parse does", () => {
    const r = seeded(4);
    for (let k = 0; k < 50_000; k++) {
      const text = randomNumber(r);
      const got = scanAll(text);
      if (!Object.is(got, JSON.parse(text))) expect(got, text).toBe(JSON.parse(text));
    }
  });

  it.each([
    "01",
    "-01",
    "1.",
    ".5",
    "+1",
    "-",
    "1e",
    "1e+",
    "--1",
    "0x10",
    "1.e5",
    "Infinity",
    "NaN",
    "- 1",
    "",
    "1_0",
  ])("does not take %j for a whole JSON number", (text) => {
    expect(scanAll(text)).toBe("invalid");
  });
});
