import { describe, expect, it } from "vitest";
import { crc16Ccitt, crc16Modbus } from "../../../src/sources/crc16.js";
import {
  encodeFrame,
  type FrameEvent,
  type FrameFormat,
  FrameParser,
} from "../../../src/sources/frame-parser.js";
import { mulberry32 } from "../../../src/training/prng.js";

const ascii = (s: string) => new TextEncoder().encode(s);
const bytes = (...b: number[]) => Uint8Array.from(b);
const cat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const MODBUS: FrameFormat = {
  startMarker: bytes(0xaa, 0x55),
  lengthBytes: 2,
  lengthByteOrder: "le",
  crc: "modbus",
  maxPayloadBytes: 64,
};

/** Frames as text, discards as `-N` (bytes skipped): compact expectations for the tables. */
function summary(events: readonly FrameEvent[]): string[] {
  return events.map((e) => (e.kind === "frame" ? new TextDecoder().decode(e.payload) : `-${e.bytes}`));
}

function parseAll(format: FrameFormat, chunks: readonly Uint8Array[]): string[] {
  const p = new FrameParser(format);
  return chunks.flatMap((c) => summary(p.push(c)));
}

describe("CRC-16", () => {
  it.each([
    ["CRC-16/MODBUS", crc16Modbus, 0x4b37],
    ["CRC-16/CCITT-FALSE", crc16Ccitt, 0x29b1],
  ])("%s of the check string 123456789 is the catalogue value", (_name, fn, expected) => {
    expect(fn(ascii("123456789"))).toBe(expected);
  });

  it("CRC-16/MODBUS of a real Modbus request matches the bytes a slave expects", () => {
    // read holding registers, slave 1, address 0, count 10: 01 03 00 00 00 0A C5 CD
    const crc = crc16Modbus(bytes(0x01, 0x03, 0x00, 0x00, 0x00, 0x0a));
    expect([crc & 0xff, crc >>> 8]).toEqual([0xc5, 0xcd]);
  });
});

describe("encodeFrame", () => {
  it.each([
    ["modbus, 2-byte little-endian length", MODBUS, [0xaa, 0x55, 0x02, 0x00, 0x68, 0x69]],
    [
      "ccitt, 1-byte length, 1-byte marker",
      { ...MODBUS, startMarker: bytes(0x7e), lengthBytes: 1, crc: "ccitt" } as FrameFormat,
      [0x7e, 0x02, 0x68, 0x69],
    ],
    [
      "big-endian length",
      { ...MODBUS, lengthByteOrder: "be" } as FrameFormat,
      [0xaa, 0x55, 0x00, 0x02, 0x68, 0x69],
    ],
  ])("lays out marker, length and payload (%s) and appends the CRC", (_n, format, head) => {
    const f = encodeFrame(format, ascii("hi"));
    expect([...f.subarray(0, head.length)]).toEqual(head);
    expect(f.length).toBe(head.length + 2);
    expect(summary(new FrameParser(format).push(f))).toEqual(["hi"]);
  });

  it("refuses an empty or oversize payload", () => {
    expect(() => encodeFrame(MODBUS, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeFrame(MODBUS, new Uint8Array(65))).toThrow(/1-64 bytes/);
  });
});

describe("FrameParser", () => {
  const A = encodeFrame(MODBUS, ascii("alpha"));
  const B = encodeFrame(MODBUS, ascii("bravo"));
  const badCrc = Uint8Array.from(A);
  badCrc[badCrc.length - 1]! ^= 0xff;
  const oversize = bytes(0xaa, 0x55, 0xff, 0x00); // length 255 > 64
  const zeroLength = bytes(0xaa, 0x55, 0x00, 0x00);

  it.each<[string, Uint8Array[], string[]]>([
    ["two frames in one chunk", [cat(A, B)], ["alpha", "bravo"]],
    ["a frame split byte by byte", [...A].map((b) => bytes(b)), ["alpha"]],
    ["a frame split inside its marker", [A.subarray(0, 1), A.subarray(1)], ["alpha"]],
    [
      "a frame split inside its CRC",
      [A.subarray(0, A.length - 1), A.subarray(A.length - 1), B],
      ["alpha", "bravo"],
    ],
    ["garbage before a frame", [cat(ascii("xyz"), A)], ["-3", "alpha"]],
    ["garbage between frames", [cat(A, ascii("junk!"), B)], ["alpha", "-5", "bravo"]],
    ["garbage after a frame, in its own chunk", [A, ascii("zz")], ["alpha", "-2"]],
    [
      "garbage ending in half a marker, then the frame's rest",
      [cat(ascii("zz"), A.subarray(0, 1)), A.subarray(1)],
      ["-2", "alpha"],
    ],
    ["a false marker in garbage (length too large)", [cat(oversize, A)], ["-4", "alpha"]],
    ["a false marker with length 0", [cat(zeroLength, A)], ["-4", "alpha"]],
    ["a frame with a bad CRC, then a good one", [cat(badCrc, B)], [`-${badCrc.length}`, "bravo"]],
    [
      "a good frame hidden inside a false frame's length (found once the false frame's CRC fails)",
      [cat(bytes(0xaa, 0x55, 0x0c, 0x00), A), B],
      ["-4", "alpha", "bravo"],
    ],
    ["a marker byte doubled before a frame", [cat(bytes(0xaa), A)], ["-1", "alpha"]],
    ["an unfinished frame stays pending", [A.subarray(0, 6)], []],
  ])("%s", (_name, chunks, expected) => {
    expect(parseAll(MODBUS, chunks)).toEqual(expected);
  });

  it.each<[string, FrameFormat]>([
    [
      "1-byte marker, 1-byte length, CCITT",
      { ...MODBUS, startMarker: bytes(0x7e), lengthBytes: 1, crc: "ccitt" },
    ],
    [
      "4-byte marker, big-endian length",
      { ...MODBUS, startMarker: bytes(1, 2, 3, 4), lengthByteOrder: "be" },
    ],
  ])("resynchronises the same way with a %s", (_name, format) => {
    const a = encodeFrame(format, ascii("one"));
    const b = encodeFrame(format, ascii("two"));
    const chunks = [cat(ascii("noise"), a.subarray(0, 3)), cat(a.subarray(3), ascii("!!"), b)];
    expect(parseAll(format, chunks)).toEqual(["-5", "one", "-2", "two"]);
  });

  it("turns 1 MB of random bytes into counted discards, holds at most one frame, and finds the next frame", () => {
    const p = new FrameParser(MODBUS);
    const random = mulberry32(7);
    let discarded = 0;
    let frames = 0;
    for (let chunk = 0; chunk < 256; chunk++) {
      const noise = new Uint8Array(4096);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
      for (const e of p.push(noise)) {
        if (e.kind === "discard") discarded += e.bytes;
        else frames++;
      }
      expect(p.pendingBytes).toBeLessThanOrEqual(4 + 64 + 2);
    }
    const tail = summary(p.push(cat(A, B)));
    expect(tail.slice(-2)).toEqual(["alpha", "bravo"]);
    expect(frames).toBe(0);
    // Every random byte is counted as discarded, once: those still pending at the end come out with the frames.
    expect(p.stats.discardedBytes).toBe(1_048_576);
    expect(discarded).toBeGreaterThan(1_048_576 - 70);
  });

  it("reset drops a partial frame as one discard", () => {
    const p = new FrameParser(MODBUS);
    p.push(A.subarray(0, 5));
    expect(p.reset()).toMatchObject({ kind: "discard", bytes: 5 });
    expect(p.reset()).toBeNull();
    expect(summary(p.push(B))).toEqual(["bravo"]);
  });
});
