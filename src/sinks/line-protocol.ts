/**
 * InfluxDB line protocol: `measurement,tag=v,tag=v field=1.5,n=3i,s="text" 1732862400123`.
 * Escaping follows the v2 reference: measurement names escape comma and space; tag keys, tag
 * values and field keys escape comma, equals sign and space; string field values escape double
 * quote and backslash. A backslash in a name is doubled, so a name ending in one cannot escape
 * the separator after it. Line breaks and tabs have no escape and end a line in most parsers:
 * they become (escaped) spaces. Times are integer milliseconds (precision `ms`).
 */

const NAME_SPECIAL = /[\\,= \n\r\t]/;
const MEASUREMENT_SPECIAL = /[\\, \n\r\t]/;
const STRING_SPECIAL = /["\\\n\r]/;

/** Escapes a measurement name (comma, space, backslash). */
export function escapeMeasurement(s: string): string {
  return MEASUREMENT_SPECIAL.test(s) ? escapeWith(s, false) : s;
}

/** Escapes a tag key, tag value or field key (comma, equals, space, backslash). */
export function escapeName(s: string): string {
  return NAME_SPECIAL.test(s) ? escapeWith(s, true) : s;
}

function escapeWith(s: string, equals: boolean): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "\\" || c === "," || c === " " || (equals && c === "=")) out += `\\${c}`;
    else if (c === "\n" || c === "\r" || c === "\t") out += "\\ ";
    else out += c;
  }
  return out;
}

/** A string field value with its quotes: `"say \"hi\""`. Line breaks become spaces. */
export function quoteString(s: string): string {
  if (!STRING_SPECIAL.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "\n" || c === "\r") out += " ";
    else out += c;
  }
  return `${out}"`;
}

/**
 * A short decimal text (never longer than the 9-digit form) that reads back as the same float32 (features are Float32Array
 * values): `0.1` rather than `0.10000000149011612`. Half the bytes on the wire and in the spool,
 * and exact. Non-finite values have no line-protocol form: the caller leaves them out.
 */
export function formatFloat32(v: number): string {
  // Most computed float32 values need 7 or 8 digits: start at 8 and go down while it reads back.
  let best = v.toPrecision(8);
  if (Math.fround(Number(best)) !== v) return trimZeros(v.toPrecision(9));
  for (let p = 7; p >= 1; p--) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) !== v) break;
    best = s;
  }
  const out = trimZeros(best);
  if (!out.includes("e")) return out;
  const plain = String(v); // 123456792 rather than 1.2345679e+8
  return plain.length <= out.length ? plain : out;
}

/** A float64 as line protocol takes it (`String` is the shortest round-trip form). */
export function formatFloat64(v: number): string {
  return String(v);
}

function trimZeros(s: string): string {
  const e = s.indexOf("e");
  const mantissa = e < 0 ? s : s.slice(0, e);
  if (!mantissa.includes(".")) return s;
  let end = mantissa.length;
  while (mantissa[end - 1] === "0") end--;
  if (mantissa[end - 1] === ".") end--;
  return mantissa.slice(0, end) + (e < 0 ? "" : s.slice(e));
}

/** Tags as `,k=v,k=v` sorted by key (what InfluxDB stores fastest); empty values are left out. */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  let out = "";
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === undefined || v === "" || k === "") continue;
    out += `,${escapeName(k)}=${escapeName(v)}`;
  }
  return out;
}

/**
 * Builds the field set of one line. Floats that are not finite are left out (line protocol has
 * no NaN); `build()` is empty when no field is left, and such a line must not be written.
 */
export class FieldWriter {
  private text = "";

  float(key: string, v: number): this {
    if (Number.isFinite(v)) this.add(key, formatFloat64(v));
    return this;
  }

  /** A number that may have come from a float32 (a probability) is written in its short float32 form. */
  number(key: string, v: number): this {
    if (Number.isFinite(v)) this.add(key, Math.fround(v) === v ? formatFloat32(v) : formatFloat64(v));
    return this;
  }

  float32(key: string, v: number): this {
    if (Number.isFinite(v)) this.add(key, formatFloat32(v));
    return this;
  }

  int(key: string, v: number): this {
    if (Number.isFinite(v)) this.add(key, `${Math.trunc(v)}i`);
    return this;
  }

  string(key: string, v: string | null | undefined): this {
    if (v !== null && v !== undefined) this.add(key, quoteString(v));
    return this;
  }

  build(): string {
    const t = this.text;
    this.text = "";
    return t;
  }

  private add(key: string, value: string): void {
    this.text += `${this.text === "" ? "" : ","}${escapeName(key)}=${value}`;
  }
}

/** A whole line; `prefix` is the escaped measurement with its tags (see formatTags). */
export function formatLine(prefix: string, fields: string, tsMs: number): string {
  return `${prefix} ${fields} ${Math.round(tsMs)}`;
}
