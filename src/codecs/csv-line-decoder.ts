import type { CodecConfig, Profile } from "../config/profile-schema.js";
import type { Discarded, Reading } from "../types.js";
import { blockChannel, buildBlockReading, ensureCapacity } from "./block-reading.js";
import type { Decoder } from "./decoder.js";
import { checkSize, discard, readings } from "./discard.js";
import { payloadText, preview } from "./payload-text.js";

export type CsvLineCodecConfig = Extract<CodecConfig, { type: "csv-line" }>;

/** Plain decimal numbers only: no hex, no empty cell read as 0, no quoting. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * One line of delimited numbers → readings. A payload is one line; one trailing line break is
 * allowed. Cells are trimmed of spaces; a cell is a decimal number, else: empty → missing_field,
 * `nan`/`inf`/`infinity` (any case, signed) → non_finite, anything else → bad_type.
 *
 * - `mode: scalar`: exactly one cell per column (else bad_csv); the `ts` column is the time,
 *   every other column a channel, giving one single-sample reading each (sampleRateHz NaN).
 * - `mode: block`: at least the named columns; the cells after them are samples of the codec's
 *   channel. Among the named columns `ts` is the time and `fs` (when no channel is called so) the
 *   sample rate; other named columns are ignored. Then the block checks of buildBlockReading.
 *
 * Without a `ts` column the reading's time is the receive time. `tsUnit: s` multiplies by 1000.
 */
export function createCsvLineDecoder(
  codec: CsvLineCodecConfig,
  profile: Profile,
  reuseSamples = false,
): Decoder {
  const { delimiter, columns } = codec;
  const tsFactor = codec.tsUnit === "s" ? 1000 : 1;
  const tsColumn = columns.indexOf("ts");
  const rateColumn = "fs" in profile.channels ? -1 : columns.indexOf("fs");
  const scalarColumns = columns.flatMap((name, index) => {
    const c = profile.channels[name];
    return name === "ts" || c === undefined ? [] : [{ index, name, scale: c.scale, offset: c.offset }];
  });
  const channel = blockChannel(profile, undefined, reuseSamples);
  let scratch: Float64Array = new Float64Array(256);

  function time(cells: readonly string[], receivedAtMs: number): number | Discarded {
    if (tsColumn < 0) return receivedAtMs;
    const ts = cell(cells[tsColumn] ?? "", "ts");
    return typeof ts === "number" ? ts * tsFactor : ts;
  }

  function scalar(cells: readonly string[], receivedAtMs: number) {
    if (cells.length !== columns.length) {
      return discard("bad_csv", `expected ${columns.length} columns, got ${cells.length}`);
    }
    const tsMs = time(cells, receivedAtMs);
    if (typeof tsMs !== "number") return tsMs;
    if (!Number.isFinite(tsMs)) return discard("non_finite", "ts is not finite");
    const out: Reading[] = [];
    for (const c of scalarColumns) {
      const v = cell(cells[c.index] ?? "", c.name);
      if (typeof v !== "number") return v;
      const y = Math.fround(v * c.scale + c.offset);
      if (!Number.isFinite(y))
        return discard("non_finite", `column "${c.name}" is not finite after scale and offset`);
      out.push({ channel: c.name, tsMs, sampleRateHz: Number.NaN, samples: Float32Array.of(y) });
    }
    return readings(out);
  }

  function block(cells: readonly string[], receivedAtMs: number) {
    if (cells.length < columns.length) {
      return discard("bad_csv", `expected at least ${columns.length} columns, got ${cells.length}`);
    }
    const tsMs = time(cells, receivedAtMs);
    if (typeof tsMs !== "number") return tsMs;
    let rate: number | undefined;
    if (rateColumn >= 0) {
      const r = cell(cells[rateColumn] ?? "", "fs");
      if (typeof r !== "number") return r;
      rate = r;
    }
    const n = cells.length - columns.length;
    scratch = ensureCapacity(scratch, n);
    for (let k = 0; k < n; k++) {
      const v = cell(cells[columns.length + k] ?? "", `sample ${k}`);
      if (typeof v !== "number") return v;
      scratch[k] = v;
    }
    return buildBlockReading(channel, tsMs, rate, scratch, n);
  }

  return (payload, receivedAtMs) => {
    const tooBig = checkSize(payload, codec.maxPayloadBytes);
    if (tooBig !== null) return tooBig;
    const line = withoutLineEnd(payloadText(payload));
    if (line.includes("\n") || line.includes("\r")) return discard("bad_csv", "more than one line");
    if (line.trim() === "") return discard("bad_csv", "empty line");
    const cells = line.split(delimiter);
    return codec.mode === "scalar" ? scalar(cells, receivedAtMs) : block(cells, receivedAtMs);
  };
}

function withoutLineEnd(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n") || text.endsWith("\r")) return text.slice(0, -1);
  return text;
}

function cell(raw: string, name: string): number | Discarded {
  const s = raw.trim();
  if (s === "") return discard("missing_field", `column "${name}" is empty`);
  if (DECIMAL.test(s)) return Number(s);
  if (NON_FINITE.test(s)) return discard("non_finite", `column "${name}" is ${preview(s)}`);
  return discard("bad_type", `column "${name}" is not a number: ${preview(s)}`);
}
