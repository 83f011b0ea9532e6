/**
 * Strict JSON scanning primitives over UTF-8 bytes, for the JSON block fast path.
 *
 * Each function takes the bytes, a position and the end, and returns the position after what
 * it scanned, or -1 when the bytes are not what the JSON grammar allows there. -1 means
 * "not sure": the caller falls back to JSON.parse, which then gives the exact verdict.
 */

export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const MINUS = 0x2d;
export const COLON = 0x3a;
export const LBRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const RBRACKET = 0x5d;
export const LBRACE = 0x7b;
export const RBRACE = 0x7d;

const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

/** Nesting deeper than this is left to JSON.parse. */
const MAX_DEPTH = 256;

/** Powers of ten that are exact as doubles (10^22 is the largest). */
const POW10 = new Float64Array([
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
]);
const TWO_POW_53 = 9007199254740992;

/** Where scanNumber leaves the value it read (one per scanner, reused). */
export interface NumberSlot {
  value: number;
}

export function skipWhitespace(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/**
 * One JSON number at `i`: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
 * The digits are read into an integer mantissa m and a decimal exponent e. When m < 2^53 and
 * |e| ≤ 22 both m and 10^|e| are exact doubles, so one multiplication or division rounds
 * correctly and gives JSON.parse's double exactly (Clinger's fast path). Otherwise the text goes
 * to Number(), which parses the same grammar with the same rounding.
 */
export function scanNumber(b: Uint8Array, i: number, end: number, out: NumberSlot): number {
  const start = i;
  if (i >= end) return -1;
  let c = b[i]!;
  let negative = false;
  if (c === MINUS) {
    negative = true;
    if (++i >= end) return -1;
    c = b[i]!;
  }
  let m = 0;
  if (c === ZERO) {
    i++;
  } else if (c > ZERO && c <= NINE) {
    m = c - ZERO;
    while (++i < end) {
      c = b[i]!;
      if (c < ZERO || c > NINE) break;
      m = m * 10 + (c - ZERO);
    }
  } else {
    return -1;
  }
  let e = 0;
  if (i < end && b[i] === DOT) {
    const fracStart = ++i;
    while (i < end) {
      c = b[i]!;
      if (c < ZERO || c > NINE) break;
      m = m * 10 + (c - ZERO);
      i++;
    }
    if (i === fracStart) return -1;
    e = fracStart - i;
  }
  if (i < end && (b[i] === LOWER_E || b[i] === UPPER_E)) {
    let expNegative = false;
    if (++i < end && (b[i] === PLUS || b[i] === MINUS)) expNegative = b[i++] === MINUS;
    const expStart = i;
    let x = 0;
    while (i < end) {
      c = b[i]!;
      if (c < ZERO || c > NINE) break;
      x = x * 10 + (c - ZERO);
      i++;
    }
    if (i === expStart) return -1;
    e += expNegative ? -x : x;
  }
  let v: number;
  if (m < TWO_POW_53 && e >= -22 && e <= 22) {
    v = e < 0 ? m / POW10[-e]! : m * POW10[e]!;
    out.value = negative ? -v : v;
  } else if (m === 0) {
    out.value = negative ? -0 : 0;
  } else {
    out.value = Number(ascii(b, start, i));
  }
  return i;
}

function ascii(b: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Byte classes for strings: 1 = hex digit, 2 = one-character escape (`"` `\\` `/` `b` `f` `n` `r` `t`). */
const HEX = 1;
const SIMPLE_ESCAPE = 2;
const BYTE_CLASS = new Uint8Array(256);
for (const c of "0123456789abcdefABCDEF") BYTE_CLASS[c.charCodeAt(0)]! |= HEX;
for (const c of '"\\/bfnrt') BYTE_CLASS[c.charCodeAt(0)]! |= SIMPLE_ESCAPE;

function isHex(c: number | undefined): boolean {
  return c !== undefined && (BYTE_CLASS[c]! & HEX) !== 0;
}

/** A string whose opening quote is at `i - 1`; returns the position after the closing quote. */
export function skipString(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i]!;
    if (c === QUOTE) return i + 1;
    if (c < 0x20) return -1;
    if (c !== BACKSLASH) {
      i++;
      continue;
    }
    const esc = i + 1 < end ? b[i + 1]! : 0;
    if (esc === 0x75) {
      if (i + 5 >= end || !isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5]))
        return -1;
      i += 6;
    } else if ((BYTE_CLASS[esc]! & SIMPLE_ESCAPE) !== 0) {
      i += 2;
    } else {
      return -1;
    }
  }
  return -1;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function skipLiteral(b: Uint8Array, i: number, end: number, word: readonly number[]): number {
  if (i + word.length > end) return -1;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1;
  return i + word.length;
}

/** Any JSON value at `i` (whitespace already skipped), validated and thrown away. */
export function skipValue(b: Uint8Array, i: number, end: number, depth: number, slot: NumberSlot): number {
  if (i >= end) return -1;
  const c = b[i]!;
  if (c === QUOTE) return skipString(b, i + 1, end);
  if (c === LBRACE) return skipObject(b, i, end, depth, slot);
  if (c === LBRACKET) return skipArray(b, i, end, depth, slot);
  if (c === 0x74) return skipLiteral(b, i, end, TRUE);
  if (c === 0x66) return skipLiteral(b, i, end, FALSE);
  if (c === 0x6e) return skipLiteral(b, i, end, NULL);
  return scanNumber(b, i, end, slot);
}

function skipObject(b: Uint8Array, i: number, end: number, depth: number, slot: NumberSlot): number {
  if (depth >= MAX_DEPTH) return -1;
  i = skipWhitespace(b, i + 1, end);
  if (i < end && b[i] === RBRACE) return i + 1;
  for (;;) {
    if (i >= end || b[i] !== QUOTE) return -1;
    i = skipString(b, i + 1, end);
    if (i < 0) return -1;
    i = skipWhitespace(b, i, end);
    if (i >= end || b[i] !== COLON) return -1;
    i = skipValue(b, skipWhitespace(b, i + 1, end), end, depth + 1, slot);
    if (i < 0) return -1;
    i = skipWhitespace(b, i, end);
    if (i >= end) return -1;
    if (b[i] === RBRACE) return i + 1;
    if (b[i] !== COMMA) return -1;
    i = skipWhitespace(b, i + 1, end);
  }
}

function skipArray(b: Uint8Array, i: number, end: number, depth: number, slot: NumberSlot): number {
  if (depth >= MAX_DEPTH) return -1;
  i = skipWhitespace(b, i + 1, end);
  if (i < end && b[i] === RBRACKET) return i + 1;
  for (;;) {
    i = skipValue(b, i, end, depth + 1, slot);
    if (i < 0) return -1;
    i = skipWhitespace(b, i, end);
    if (i >= end) return -1;
    if (b[i] === RBRACKET) return i + 1;
    if (b[i] !== COMMA) return -1;
    i = skipWhitespace(b, i + 1, end);
  }
}
