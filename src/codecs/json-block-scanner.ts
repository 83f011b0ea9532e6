import {
  BACKSLASH,
  COLON,
  COMMA,
  LBRACE,
  LBRACKET,
  type NumberSlot,
  QUOTE,
  RBRACE,
  RBRACKET,
  scanNumber,
  skipValue,
  skipWhitespace,
} from "./json-scan.js";

export interface JsonBlockFields {
  readonly ts: string;
  readonly sampleRate: string;
  readonly samples: string;
}

const utf8 = new TextEncoder();

/** Powers of ten that are exact as doubles (10^22 is the largest). */
const POW10 = new Float64Array([
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
]);

/**
 * The JSON block fast path: one strict pass over the payload's bytes that reads the top-level
 * object, takes the ts, sample-rate and samples fields (any order; for a repeated key the last
 * one wins, as in JSON.parse), parses the samples straight into a reused Float64Array, and
 * validates and skips everything else.
 *
 * `scan` answers true only when it is sure: the whole payload is valid JSON, ts is a number,
 * samples is an array of numbers, and the rate is absent or a number. Anything else (bad JSON,
 * a missing field, a wrong type, a key with escapes, very deep nesting) answers false, and the
 * caller decodes the payload with JSON.parse instead, which gives the exact verdict. So the
 * scanner never decides a rejection; it only speeds up acceptance.
 */
export class JsonBlockScanner {
  /** Results of the last successful scan. `values` is reused: valid until the next scan. */
  ts = 0;
  sampleRateHz: number | undefined = undefined;
  count = 0;
  values: Float64Array;

  private readonly tsKey: Uint8Array;
  private readonly rateKey: Uint8Array;
  private readonly samplesKey: Uint8Array;
  /** When every field name is ASCII, a key with other bytes cannot match one and needs no fallback. */
  private readonly asciiKeys: boolean;
  private readonly slot: NumberSlot = { value: 0 };

  constructor(fields: JsonBlockFields, initialCapacity = 1024) {
    this.tsKey = utf8.encode(fields.ts);
    this.rateKey = utf8.encode(fields.sampleRate);
    this.samplesKey = utf8.encode(fields.samples);
    this.asciiKeys = [fields.ts, fields.sampleRate, fields.samples].every((f) => /^[\x20-\x7f]*$/.test(f));
    this.values = new Float64Array(initialCapacity);
  }

  scan(b: Uint8Array): boolean {
    const end = b.length;
    let i = end >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
    i = skipWhitespace(b, i, end);
    if (i >= end || b[i] !== LBRACE) return false;
    let hasTs = false;
    let hasSamples = false;
    this.sampleRateHz = undefined;
    i = skipWhitespace(b, i + 1, end);
    if (i < end && b[i] === RBRACE) return false;
    for (;;) {
      if (i >= end || b[i] !== QUOTE) return false;
      const keyStart = i + 1;
      const keyEnd = this.scanKey(b, keyStart, end);
      if (keyEnd < 0) return false;
      i = skipWhitespace(b, keyEnd + 1, end);
      if (i >= end || b[i] !== COLON) return false;
      i = skipWhitespace(b, i + 1, end);
      const isTs = sameBytes(b, keyStart, keyEnd, this.tsKey);
      const isRate = sameBytes(b, keyStart, keyEnd, this.rateKey);
      if (sameBytes(b, keyStart, keyEnd, this.samplesKey)) {
        if (isTs || isRate) return false;
        i = this.scanSamples(b, i, end);
        hasSamples = true;
      } else if (isTs || isRate) {
        i = scanNumber(b, i, end, this.slot);
        if (isTs) this.ts = this.slot.value;
        if (isRate) this.sampleRateHz = this.slot.value;
        hasTs ||= isTs;
      } else {
        i = skipValue(b, i, end, 1, this.slot);
      }
      if (i < 0) return false;
      i = skipWhitespace(b, i, end);
      if (i >= end) return false;
      if (b[i] === RBRACE) break;
      if (b[i] !== COMMA) return false;
      i = skipWhitespace(b, i + 1, end);
    }
    return skipWhitespace(b, i + 1, end) === end && hasTs && hasSamples;
  }

  /** A key whose opening quote is at `i - 1`: the position of its closing quote, or -1. */
  private scanKey(b: Uint8Array, i: number, end: number): number {
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === QUOTE) return i;
      if (c === BACKSLASH || c < 0x20 || (c >= 0x80 && !this.asciiKeys)) return -1;
    }
    return -1;
  }

  /**
   * The samples array at `i`, numbers only, into `values`; the position after `]`, or -1.
   *
   * The decoder's hot loop. Plain decimals of up to 15 digits are read inline: an integer
   * mantissa (exact as a double) divided by an exact power of ten, which rounds correctly.
   * Anything longer, or with an exponent, is read again by scanNumber from its first byte.
   * Byte values are literals here on purpose: Node 20's optimizer does not fold module-level
   * constants, and that costs half the speed of this loop. A read past the end gives undefined,
   * which fails every comparison, so a truncated payload ends in -1, never in a wrong value.
   * Legend: 0x30-0x39 digits, 0x2d '-', 0x2e '.', 0x65/0x45 'e'/'E', 0x2c ',', 0x5d ']',
   * 0x20/0x0a/0x0d/0x09 whitespace.
   */
  private scanSamples(b: Uint8Array, i: number, end: number): number {
    if (i >= end || b[i] !== LBRACKET) return -1;
    let values = this.values;
    let n = 0;
    i = skipWhitespace(b, i + 1, end);
    if (i < end && b[i] === RBRACKET) {
      this.count = 0;
      return i + 1;
    }
    for (;;) {
      const start = i;
      let c = b[i]!;
      const negative = c === 0x2d;
      if (negative) c = b[++i]!;
      const intStart = i;
      let m = c - 0x30;
      if (!(m >= 0 && m <= 9)) return -1;
      c = b[++i]!;
      if (m !== 0) {
        while (c >= 0x30 && c <= 0x39) {
          m = m * 10 + (c - 0x30);
          c = b[++i]!;
        }
      }
      let digits = i - intStart;
      let v = m;
      if (c === 0x2e) {
        const fracStart = ++i;
        c = b[i]!;
        while (c >= 0x30 && c <= 0x39) {
          m = m * 10 + (c - 0x30);
          c = b[++i]!;
        }
        if (i === fracStart) return -1;
        digits += i - fracStart;
        v = m / POW10[i - fracStart]!;
      }
      if (c === 0x65 || c === 0x45 || digits > 15) {
        i = scanNumber(b, start, end, this.slot);
        if (i < 0) return -1;
        v = this.slot.value;
        c = b[i]!;
      } else if (negative) {
        v = -v;
      }
      if (n === values.length) values = this.grow(n);
      values[n++] = v;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
      if (c === 0x2c) {
        c = b[++i]!;
        while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
        continue;
      }
      if (c !== 0x5d) return -1;
      this.count = n;
      return i + 1;
    }
  }

  private grow(n: number): Float64Array {
    const grown = new Float64Array(Math.max(64, n * 2));
    grown.set(this.values);
    this.values = grown;
    return grown;
  }
}

function sameBytes(b: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (b[start + k] !== key[k]) return false;
  return true;
}
