import { escape as clientEscape } from "@influxdata/influxdb-client";
import { describe, expect, it } from "vitest";
import {
  escapeMeasurement,
  escapeName,
  FieldWriter,
  formatFloat32,
  formatTags,
  quoteString,
} from "../../../src/sinks/line-protocol.js";

describe("line-protocol escaping", () => {
  it.each([
    ["plain", "plain", "plain", '"plain"'],
    ["a b", "a\\ b", "a\\ b", '"a b"'],
    ["a,b", "a\\,b", "a\\,b", '"a,b"'],
    ["a=b", "a=b", "a\\=b", '"a=b"'],
    ['say "hi"', 'say\\ "hi"', 'say\\ "hi"', '"say \\"hi\\""'],
    ["C:\\dir", "C:\\\\dir", "C:\\\\dir", '"C:\\\\dir"'],
    ["ends\\", "ends\\\\", "ends\\\\", '"ends\\\\"'],
    ["two\nlines", "two\\ lines", "two\\ lines", '"two lines"'],
    ["tab\there", "tab\\ here", "tab\\ here", '"tab\there"'],
    ["", "", "", '""'],
  ])("%j is %j as a measurement, %j as a tag or field key, %j as a string value", (raw, m, name, quoted) => {
    expect(escapeMeasurement(raw)).toBe(m);
    expect(escapeName(raw)).toBe(name);
    expect(quoteString(raw)).toBe(quoted);
  });

  it("agrees with the influxdb client's escaping on strings of letters, spaces, commas, equals signs and quotes", () => {
    const alphabet = "ab ,=\"'x";
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let n = 0; n < 2000; n++) {
      let s = "";
      const len = Math.floor(rnd() * 12);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(escapeMeasurement(s)).toBe(clientEscape.measurement(s));
      expect(escapeName(s)).toBe(clientEscape.tag(s));
      expect(quoteString(s)).toBe(clientEscape.quoted(s));
    }
  });
});

describe("float formatting", () => {
  it.each([
    [0.1, "0.1"],
    [1e-7, "1e-7"],
    [3, "3"],
    [-2.5, "-2.5"],
    [0, "0"],
    [123456789, "123456792"],
    [1e21, "1e+21"],
    [0.3333333333, "0.33333334"],
  ])("float32 %d is written as %s", (v, text) => {
    expect(formatFloat32(Math.fround(v))).toBe(text);
  });

  it("writes every float32 no longer than its 9-digit form, and reads back the same float32", () => {
    const buf = new Float32Array(1);
    const bits = new Uint32Array(buf.buffer);
    let seed = 1;
    for (let n = 0; n < 20000; n++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      bits[0] = seed;
      const v = buf[0]!;
      if (!Number.isFinite(v)) continue;
      const s = formatFloat32(v);
      expect(Math.fround(Number(s))).toBe(v);
      expect(s.length).toBeLessThanOrEqual(v.toPrecision(9).length);
    }
  });
});

describe("tags and fields", () => {
  it("sorts tags by key and leaves out empty values", () => {
    expect(formatTags({ site: "s 1", asset: "p,1", model: "", profile: "x=y" })).toBe(
      ",asset=p\\,1,profile=x\\=y,site=s\\ 1",
    );
  });

  it("leaves out non-finite floats, suffixes integers with i and quotes strings", () => {
    const f = new FieldWriter();
    f.float("a", Number.NaN)
      .float("b", 1.5)
      .int("c", 3.7)
      .string("d", 'q"')
      .float32("e", Number.POSITIVE_INFINITY);
    f.string("f", null);
    expect(f.build()).toBe('b=1.5,c=3i,d="q\\""');
    expect(f.build()).toBe("");
  });
});
