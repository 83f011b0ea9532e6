import { type CrcKind, crc16, getCrc, putCrc } from "./crc16.js";

/** The binary frame of a serial device: `[start marker][length][payload][CRC-16]`. */
export interface FrameFormat {
  readonly startMarker: Uint8Array;
  /** Size of the length field, which counts payload bytes. */
  readonly lengthBytes: 1 | 2;
  readonly lengthByteOrder: "le" | "be";
  /** CRC over the length field and the payload, in its kind's byte order. */
  readonly crc: CrcKind;
  readonly maxPayloadBytes: number;
}

/** What a chunk of bytes turned into, in stream order. */
export type FrameEvent =
  | { readonly kind: "frame"; readonly payload: Uint8Array }
  | { readonly kind: "discard"; readonly bytes: number; readonly detail: string };

/**
 * Bytes in → frames and discards out; pure (no I/O, no clock) and stateful across chunks, so a
 * frame split over any number of chunks comes out whole. Resynchronisation: bytes before a start
 * marker are garbage; a marker followed by a length of 0 or over `maxPayloadBytes`, or by a frame
 * whose CRC does not match, was a false start: one byte is skipped and the search for a marker
 * goes on from the next byte, so a real frame hidden inside a false one is still found. Skipped
 * bytes come out as one `discard` per run (per `push`), never as an exception. Memory is bounded
 * by one whole frame plus the chunk being parsed.
 */
export class FrameParser {
  private readonly f: FrameFormat;
  private readonly headerBytes: number;
  private buf: Uint8Array;
  private start = 0;
  private end = 0;
  private garbage = 0;
  private garbageWhy = "";
  readonly stats = { frames: 0, discardedBytes: 0, discards: 0 };

  constructor(format: FrameFormat) {
    if (format.startMarker.length === 0) throw new RangeError("a start marker needs at least one byte");
    this.f = format;
    this.headerBytes = format.startMarker.length + format.lengthBytes;
    this.buf = new Uint8Array(Math.max(1024, this.headerBytes + format.maxPayloadBytes + 2));
  }

  /** Bytes held while a frame is incomplete. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    this.append(chunk);
    const out: FrameEvent[] = [];
    const { startMarker: marker, maxPayloadBytes } = this.f;
    const buf = this.buf;
    let pos = this.start;
    const end = this.end;
    for (;;) {
      const at = this.findMarker(pos, end);
      if (at < 0) {
        const keep = this.partialMarkerAtEnd(pos, end);
        this.skip(end - keep - pos, "no start marker");
        pos = end - keep;
        break;
      }
      this.skip(at - pos, "no start marker");
      pos = at;
      if (end - pos < this.headerBytes) break;
      const len = this.readLength(pos + marker.length);
      if (len === 0 || len > maxPayloadBytes) {
        this.skip(1, `length ${len} outside 1-${maxPayloadBytes}`);
        pos++;
        continue;
      }
      const total = this.headerBytes + len + 2;
      if (end - pos < total) break;
      const crcAt = pos + this.headerBytes + len;
      if (crc16(this.f.crc, buf, pos + marker.length, crcAt) !== getCrc(this.f.crc, buf, crcAt)) {
        this.skip(1, "bad CRC");
        pos++;
        continue;
      }
      this.flushGarbage(out);
      out.push({ kind: "frame", payload: buf.slice(pos + this.headerBytes, crcAt) });
      this.stats.frames++;
      pos += total;
    }
    this.start = pos;
    this.flushGarbage(out);
    return out;
  }

  /** Forgets a partial frame (the port was reopened); returns its discard, if there was one. */
  reset(): FrameEvent | null {
    const n = this.end - this.start;
    this.start = 0;
    this.end = 0;
    if (n === 0) return null;
    this.stats.discards++;
    this.stats.discardedBytes += n;
    return { kind: "discard", bytes: n, detail: `${n} bytes of an unfinished frame dropped at reopen` };
  }

  private skip(n: number, why: string): void {
    if (n <= 0) return;
    if (this.garbage === 0) this.garbageWhy = why;
    this.garbage += n;
  }

  private flushGarbage(out: FrameEvent[]): void {
    if (this.garbage === 0) return;
    out.push({
      kind: "discard",
      bytes: this.garbage,
      detail: `${this.garbage} bytes skipped (${this.garbageWhy})`,
    });
    this.stats.discards++;
    this.stats.discardedBytes += this.garbage;
    this.garbage = 0;
  }

  private append(chunk: Uint8Array): void {
    const held = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      if (held + chunk.length > this.buf.length) {
        const bigger = new Uint8Array(Math.max(held + chunk.length, this.buf.length * 2));
        bigger.set(this.buf.subarray(this.start, this.end));
        this.buf = bigger;
      } else {
        this.buf.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = held;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  private findMarker(from: number, end: number): number {
    const m = this.f.startMarker;
    const first = m[0]!;
    let i = from;
    while (i <= end - m.length) {
      const j = this.buf.indexOf(first, i);
      if (j < 0 || j > end - m.length) return -1;
      let k = 1;
      while (k < m.length && this.buf[j + k] === m[k]) k++;
      if (k === m.length) return j;
      i = j + 1;
    }
    return -1;
  }

  /** Length of the longest tail of [from, end) that is a beginning of the marker (< marker length). */
  private partialMarkerAtEnd(from: number, end: number): number {
    const m = this.f.startMarker;
    for (let n = Math.min(m.length - 1, end - from); n > 0; n--) {
      let k = 0;
      while (k < n && this.buf[end - n + k] === m[k]) k++;
      if (k === n) return n;
    }
    return 0;
  }

  private readLength(at: number): number {
    const a = this.buf[at]!;
    if (this.f.lengthBytes === 1) return a;
    const b = this.buf[at + 1]!;
    return this.f.lengthByteOrder === "le" ? a | (b << 8) : (a << 8) | b;
  }
}

/** One frame around `payload` (for simulators and framed commands). */
export function encodeFrame(format: FrameFormat, payload: Uint8Array): Uint8Array {
  const max = Math.min(format.maxPayloadBytes, format.lengthBytes === 1 ? 255 : 65535);
  if (payload.length === 0 || payload.length > max) {
    throw new RangeError(`a frame payload must have 1-${max} bytes, got ${payload.length}`);
  }
  const m = format.startMarker.length;
  const out = new Uint8Array(m + format.lengthBytes + payload.length + 2);
  out.set(format.startMarker, 0);
  const n = payload.length;
  if (format.lengthBytes === 1) out[m] = n;
  else if (format.lengthByteOrder === "le") {
    out[m] = n & 0xff;
    out[m + 1] = n >>> 8;
  } else {
    out[m] = n >>> 8;
    out[m + 1] = n & 0xff;
  }
  out.set(payload, m + format.lengthBytes);
  const crcAt = m + format.lengthBytes + n;
  putCrc(format.crc, crc16(format.crc, out, m, crcAt), out, crcAt);
  return out;
}
