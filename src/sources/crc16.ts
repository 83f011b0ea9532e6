/**
 * The two CRC-16s serial devices use, table-driven.
 * - CRC-16/MODBUS: polynomial 0x8005 reflected (0xA001), init 0xFFFF, no final xor; Modbus RTU
 *   sends it low byte first. (CRC-16/ARC is the same polynomial with init 0.) "123456789" → 0x4B37.
 * - CRC-16/CCITT-FALSE: polynomial 0x1021, init 0xFFFF, no reflection; usually sent high byte
 *   first. "123456789" → 0x29B1.
 */

export type CrcKind = "modbus" | "ccitt";

const MODBUS_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

const CCITT_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

export function crc16Modbus(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ MODBUS_TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

export function crc16Ccitt(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++)
    crc = ((crc << 8) & 0xffff) ^ CCITT_TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  return crc;
}

export function crc16(kind: CrcKind, bytes: Uint8Array, start = 0, end = bytes.length): number {
  return kind === "modbus" ? crc16Modbus(bytes, start, end) : crc16Ccitt(bytes, start, end);
}

/** Writes `crc` at `at` in the byte order its kind is sent in (Modbus low byte first, CCITT high first). */
export function putCrc(kind: CrcKind, crc: number, out: Uint8Array, at: number): void {
  const lo = crc & 0xff;
  const hi = crc >>> 8;
  out[at] = kind === "modbus" ? lo : hi;
  out[at + 1] = kind === "modbus" ? hi : lo;
}

/** Reads a CRC sent in its kind's byte order. */
export function getCrc(kind: CrcKind, bytes: Uint8Array, at: number): number {
  const a = bytes[at]!;
  const b = bytes[at + 1]!;
  return kind === "modbus" ? a | (b << 8) : (a << 8) | b;
}
