import { describe, expect, it } from "vitest";
import { modbusTransportSchema, type RegisterConfig } from "../../../src/config/transport-schemas.js";
import { encodeRaw, planReads, rawValue, registerValue } from "../../../src/sources/modbus-registers.js";

const reg = (r: Partial<RegisterConfig> & { address: number }): RegisterConfig => ({
  function: "holding",
  type: "uint16",
  wordOrder: "big",
  scale: 1,
  offset: 0,
  ...r,
});

describe("rawValue", () => {
  it.each<[string, number[], RegisterConfig["type"], "big" | "little", number]>([
    ["uint16 all ones", [0xffff], "uint16", "big", 65535],
    ["int16 all ones", [0xffff], "int16", "big", -1],
    ["int16 most negative", [0x8000], "int16", "big", -32768],
    ["int32 −2, high word first (ABCD)", [0xffff, 0xfffe], "int32", "big", -2],
    ["int32 −2, low word first (CDAB)", [0xfffe, 0xffff], "int32", "little", -2],
    ["uint32 65536, ABCD", [0x0001, 0x0000], "uint32", "big", 65536],
    ["uint32 65536, CDAB", [0x0000, 0x0001], "uint32", "little", 65536],
    ["uint32 above 2^31", [0xffff, 0xffff], "uint32", "big", 4294967295],
    ["float32 1.5, ABCD", [0x3fc0, 0x0000], "float32", "big", 1.5],
    ["float32 1.5, CDAB", [0x0000, 0x3fc0], "float32", "little", 1.5],
    ["float32 −123.25, ABCD", [0xc2f6, 0x8000], "float32", "big", -123.25],
  ])("%s", (_name, words, type, order, expected) => {
    expect(rawValue(words, 0, type, order)).toBe(expected);
    expect(encodeRaw(expected, type, order)).toEqual(words);
  });

  it("reads a float32 that is NaN as NaN (the source discards it)", () => {
    expect(rawValue([0x7fc0, 0x0000], 0, "float32", "big")).toBeNaN();
  });

  it("applies scale, then offset", () => {
    expect(
      registerValue([215], {
        channel: "t",
        word: 0,
        register: reg({ address: 0, scale: 0.1, offset: 273.15 }),
      }),
    ).toBeCloseTo(294.65, 10);
  });
});

describe("planReads", () => {
  const summary = (registers: Record<string, RegisterConfig>) =>
    planReads(registers).map(
      (b) =>
        `${b.function}@${b.address}+${b.count}:${b.items.map((i) => `${i.channel}/${i.word}`).join(",")}`,
    );

  it.each<[string, Record<string, RegisterConfig>, string[]]>([
    ["one register", { t: reg({ address: 5 }) }, ["holding@5+1:t/0"]],
    [
      "contiguous registers of mixed widths are one read",
      {
        a: reg({ address: 0 }),
        b: reg({ address: 1, type: "float32" }),
        c: reg({ address: 3, type: "int16" }),
      },
      ["holding@0+4:a/0,b/1,c/3"],
    ],
    [
      "a gap makes two reads",
      { a: reg({ address: 0 }), b: reg({ address: 10 }) },
      ["holding@0+1:a/0", "holding@10+1:b/0"],
    ],
    [
      "input and holding registers are separate reads",
      { a: reg({ address: 0 }), b: reg({ address: 1, function: "input" }) },
      ["holding@0+1:a/0", "input@1+1:b/0"],
    ],
    [
      "two channels on the same register share it",
      { raw: reg({ address: 4 }), scaled: reg({ address: 4, scale: 0.1 }) },
      ["holding@4+1:raw/0,scaled/0"],
    ],
    [
      "a run longer than 125 registers is split",
      Object.fromEntries(
        Array.from({ length: 130 }, (_, i) => [`c${String(i).padStart(3, "0")}`, reg({ address: i })]),
      ),
      [
        `holding@0+125:${Array.from({ length: 125 }, (_, i) => `c${String(i).padStart(3, "0")}/${i}`).join(",")}`,
        `holding@125+5:${Array.from({ length: 5 }, (_, i) => `c${String(125 + i).padStart(3, "0")}/${i}`).join(",")}`,
      ],
    ],
  ])("%s", (_name, registers, expected) => {
    expect(summary(registers)).toEqual(expected);
  });
});

describe("the modbus transport schema", () => {
  it("lists every problem with its path", () => {
    const r = modbusTransportSchema.safeParse({
      type: "modbus",
      connection: { type: "rtu", path: "/dev/ttyUSB0" },
      devices: {
        a: { unitId: 0, registers: { t: { address: 0 } } },
        b: { unitId: 2, registers: { t: { address: 1, type: "int64" } } },
      },
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues.some((i) => i.startsWith("devices.b.registers.t.type:"))).toBe(true);
    const r2 = modbusTransportSchema.safeParse({
      type: "modbus",
      connection: { type: "rtu", path: "/dev/ttyUSB0" },
      devices: {
        a: { unitId: 0, registers: { t: { address: 0 } } },
        b: { unitId: 2, registers: { t: { address: 1 } } },
      },
    });
    expect(r2.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "devices.a.unitId: 1 to 247 on an RTU bus",
      'devices.b.registers.t: channel "t" is already read from device "a"',
    ]);
  });

  it("fills the Modbus specification's RTU defaults", () => {
    const t = modbusTransportSchema.parse({
      type: "modbus",
      connection: { type: "rtu", path: "/dev/ttyUSB0" },
      devices: { a: { unitId: 1, registers: { t: { address: 0 } } } },
    });
    expect(t.connection).toMatchObject({ baudRate: 19200, parity: "even", dataBits: 8, stopBits: 1 });
    expect(t.devices.a).toMatchObject({ pollIntervalMs: 1000 });
  });
});
