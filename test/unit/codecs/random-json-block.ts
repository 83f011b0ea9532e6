/**
 * Seeded random JSON block payloads for the differential tests: valid ones in many spellings,
 * and mutations of them that a strict scanner must not get wrong.
 */

export type Rand = () => number;

/** mulberry32: the same seed gives the same payloads on every machine. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;

/** Numbers JSON.parse is easy to get wrong on. */
export const TRICKY_NUMBERS = [
  "0",
  "-0",
  "-0.0",
  "0e999",
  "-0e-999",
  "0.1",
  "0.2",
  "0.3",
  "1e400",
  "-1e400",
  "1e-400",
  "5e-324",
  "4.9406564584124654e-324",
  "2.4703282292062327e-324",
  "2.4703282292062328e-324",
  "2.2250738585072011e-308",
  "1.7976931348623157e308",
  "1.7976931348623158e308",
  "1.7976931348623159e308",
  "123456789012345678",
  "9007199254740991",
  "9007199254740992",
  "9007199254740993",
  "9007199254740993.0",
  "1e22",
  "1e23",
  "1e-22",
  "1e-23",
  "8.589973e9",
  "1732862400123.456",
  "1732862400.123456",
  "0.000001",
  "1E5",
  "1e+5",
  "1e-5",
  "123456.789e3",
  "3.4028235e38",
  "3.4028236e38",
  "1e39",
  "-1e39",
  "1.00000000000000011102230246251565",
  "0.30000000000000004",
  "100000000000000000000000",
  "0.0000000000000000000000000001",
  "12345678901234567890e-20",
  "1.2345678901234567",
  "999999999999999.9",
  "99999999999999999",
  "7.038531e-26",
  "1448997445238699",
] as const;

/** A JSON number in one of several spellings: shortest round-trip, fixed precision, or raw digits. */
export function randomNumber(r: Rand): string {
  const kind = int(r, 0, 9);
  if (kind === 0) return pick(r, TRICKY_NUMBERS);
  if (kind <= 3) {
    const x = (r() - 0.5) * 10 ** int(r, -8, 8);
    return JSON.stringify(Number(x.toPrecision(int(r, 1, 17))));
  }
  if (kind <= 5) return JSON.stringify((r() - 0.5) * 10 ** int(r, -320, 308));
  let s = r() < 0.4 ? "-" : "";
  s += r() < 0.2 ? "0" : String(int(r, 1, 9)) + digits(r, int(r, 0, 20));
  if (r() < 0.7) s += "." + digits(r, int(r, 1, 25));
  if (r() < 0.3) s += pick(r, ["e", "E"]) + pick(r, ["", "+", "-"]) + String(int(r, 0, 400));
  return s;
}

function digits(r: Rand, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String(int(r, 0, 9));
  return s;
}

export function ws(r: Rand): string {
  return pick(r, ["", "", "", " ", " ", "\n", "\t", "\r\n  ", "  \n\t"]);
}

const STRINGS = [
  '"g"',
  '""',
  '"m/s\\u00b2"',
  '"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t"',
  '"\\ud83d\\ude00"',
  '"ünïcødé ✓"',
  '"}]["',
];

/** Any JSON value, for keys the decoder skips. */
export function randomValue(r: Rand, depth = 0): string {
  const kind = int(r, 0, depth > 3 ? 4 : 6);
  if (kind === 0) return pick(r, STRINGS);
  if (kind === 1) return randomNumber(r);
  if (kind === 2) return pick(r, ["true", "false", "null"]);
  if (kind === 3) return `[${ws(r)}]`;
  if (kind === 4) return `{${ws(r)}}`;
  const n = int(r, 1, 3);
  const items = Array.from({ length: n }, (_, i) =>
    kind === 5 ? randomValue(r, depth + 1) : `"k${i}"${ws(r)}:${ws(r)}${randomValue(r, depth + 1)}`,
  );
  const body = items.join(`${ws(r)},${ws(r)}`);
  return kind === 5 ? `[${ws(r)}${body}${ws(r)}]` : `{${ws(r)}${body}${ws(r)}}`;
}

export interface Fields {
  ts: string;
  sampleRate: string;
  samples: string;
}

/** A valid payload: the three fields in random order among extra keys, random whitespace. */
export function validPayload(
  r: Rand,
  f: Fields,
  rates: readonly number[],
  counts: readonly number[] = [],
): string {
  const n = counts.length > 0 && r() < 0.5 ? pick(r, counts) : r() < 0.05 ? 1024 : int(r, 0, 12);
  const samples = Array.from({ length: n }, () => randomNumber(r));
  const members = [
    `"${f.ts}":${ws(r)}${r() < 0.8 ? String(1732862400000 + int(r, 0, 1e6) / 1000) : randomNumber(r)}`,
    `"${f.samples}":${ws(r)}[${ws(r)}${samples.join(`${ws(r)},${ws(r)}`)}${ws(r)}]`,
  ];
  if (r() < 0.7)
    members.push(`"${f.sampleRate}":${ws(r)}${r() < 0.9 ? String(pick(r, rates)) : randomNumber(r)}`);
  for (let k = int(r, 0, 3); k > 0; k--)
    members.push(`"${pick(r, ["unit", "seq", "x", "ünit", "tss"])}":${ws(r)}${randomValue(r)}`);
  shuffle(r, members);
  return `${ws(r)}{${ws(r)}${members.join(`${ws(r)},${ws(r)}`)}${ws(r)}}${ws(r)}`;
}

function shuffle<T>(r: Rand, a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = int(r, 0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

const JUNK = [
  ",",
  "]",
  "}",
  "[",
  "{",
  '"',
  ":",
  "-",
  ".",
  "e",
  "0",
  " ",
  "\\",
  "x",
  "NaN",
  "Infinity",
  "\u0001",
  "\u00ff",
];

/** A valid payload broken (or not) in one of many ways. Returns bytes: some mutations are not UTF-8. */
export function mutatedPayload(
  r: Rand,
  f: Fields,
  rates: readonly number[],
  counts: readonly number[] = [],
): Uint8Array {
  const p = validPayload(r, f, rates, counts);
  const enc = (s: string) => new TextEncoder().encode(s);
  const at = int(r, 0, p.length);
  const body = p.trimEnd().slice(0, -1);
  switch (int(r, 0, 19)) {
    case 0:
      return enc(p.slice(0, at));
    case 1:
      return enc(p.slice(0, at) + pick(r, JUNK) + p.slice(at));
    case 2:
      return enc(p.slice(0, at) + p.slice(at + 1));
    case 3:
      return enc(`${body}, "${pick(r, [f.samples, f.ts, f.sampleRate])}": ${randomValue(r)}}`);
    case 4:
      return enc(`${body}, "${f.samples}": [${randomNumber(r)}, ${randomNumber(r)}]}`);
    case 5:
      return enc(
        p.replace(
          /\[\s*(-?[0-9])/,
          `[${pick(r, ["NaN", "Infinity", "-Infinity", '"1"', "null", "true", "[1]", "{}", "+1", ".5", "01", "1.", "- 1", "0x1"])}, $1`,
        ),
      );
    case 6:
      return concat(
        pick(r, [
          [0xef, 0xbb, 0xbf],
          [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf],
          [0x20, 0xef, 0xbb, 0xbf],
          [0xef, 0xbb],
        ]),
        enc(p.trimStart()),
      );
    case 7:
      return enc(`${body}, "note": "${pick(r, ["\\x", "\\u12G4", "\\u12", "\u0007", "\\", "\\'"])}"}`);
    case 8:
      return enc(p.replace(`"${pick(r, [f.ts, f.samples])}"`, '"removed"'));
    case 9:
      return enc(p + pick(r, ["x", "{}", ",", "0", "\u0000", "\u00a0"]));
    case 10:
      return concat(enc(p.slice(0, at)), [pick(r, [0x80, 0xc3, 0xff, 0xe2])], enc(p.slice(at)));
    case 11:
      return enc(p.replace(`"${f.ts}"`, `"${escapeFirst(f.ts)}"`));
    case 12:
      return enc(pick(r, ["[]", "1", '"x"', "null", "{}", "", " ", "[{}]"]));
    case 13:
      return enc(`${body}, "deep": ${"[".repeat(int(r, 200, 300))}${"]".repeat(int(r, 200, 300))}}`);
    case 14:
      return enc(p.replace(/,/, ",,"));
    case 15:
      return enc(`${body},}`);
    case 17:
    case 18:
      return enc(`${body}, "junk": ${brokenValue(r)}}`);
    case 16:
      return enc(p.replace(`"${f.ts}":`, `"${f.ts}" :`).replace(/:/g, pick(r, [":", " : ", "::"])));
    default:
      return enc(p);
  }
}

const BREAKS = [
  ["}", ",}"],
  ["]", ",]"],
  [":", ""],
  [",", ""],
  [",", ",,"],
  ['"k', "k"],
  ['"k0"', "'k0'"],
  ["true", "tru"],
  ["null", "nul"],
  ["false", "False"],
  ["[", "[,"],
  ["{", "{,"],
  ["0", "00"],
  ['"', ""],
  ["\\", "\\q"],
] as const;

/** A nested value with one defect deep inside: what only a full validation of skipped values catches. */
function brokenValue(r: Rand): string {
  const v = `{"k0": ${randomValue(r, 1)}, "k1": [${randomValue(r, 1)}, ${randomValue(r, 1)}], "k2": {"k": true, "n": null}}`;
  const [from, to] = pick(r, BREAKS);
  const hits: number[] = [];
  for (let i = v.indexOf(from); i >= 0; i = v.indexOf(from, i + 1)) hits.push(i);
  if (hits.length === 0) return v;
  const at = pick(r, hits);
  return v.slice(0, at) + to + v.slice(at + from.length);
}

function escapeFirst(key: string): string {
  return key.length === 0 ? key : `\\u${key.charCodeAt(0).toString(16).padStart(4, "0")}${key.slice(1)}`;
}

function concat(
  a: readonly number[] | Uint8Array,
  b: Uint8Array | readonly number[],
  c?: Uint8Array,
): Uint8Array {
  const parts = [Uint8Array.from(a), Uint8Array.from(b), c ?? new Uint8Array()];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
