import type { CodecConfig, Profile } from "../config/profile-schema.js";
import type { Reading } from "../types.js";
import type { Decoder } from "./decoder.js";
import { checkSize, discard, readings } from "./discard.js";
import { own, parseJsonObject } from "./parse-json-object.js";

export type JsonScalarCodecConfig = Extract<CodecConfig, { type: "json-scalar" }>;

/**
 * `{"ts": …, "temperature": 71.5, "rpm": 1480}` → one single-sample reading per profile channel
 * present in the payload (field = the channel's `field`, else its name), in profile order, with
 * sampleRateHz NaN. Fields that are not channels are ignored.
 * Order of checks: bad_json; top level not an object → bad_type; no ts → missing_field; ts not a
 * number → bad_type; ts not finite → non_finite; then per channel in profile order: not a number
 * → bad_type, not finite after scale and offset (as float32) → non_finite; no channel at all →
 * missing_field. One bad channel discards the whole message.
 */
export function createJsonScalarDecoder(codec: JsonScalarCodecConfig, profile: Profile): Decoder {
  const tsField = codec.fields.ts;
  const tsFactor = codec.tsUnit === "s" ? 1000 : 1;
  const channels = Object.entries(profile.channels).map(([name, c]) => ({
    name,
    field: c.field ?? name,
    scale: c.scale,
    offset: c.offset,
  }));
  const fieldList = channels
    .slice(0, 4)
    .map((c) => c.field)
    .join(", ");

  return (payload) => {
    const tooBig = checkSize(payload, codec.maxPayloadBytes);
    if (tooBig !== null) return tooBig;
    const parsed = parseJsonObject(payload);
    if (parsed.kind === "discarded") return parsed;
    const doc = parsed.value;
    const ts = own(doc, tsField);
    if (ts === undefined) return discard("missing_field", `no "${tsField}" field`);
    if (typeof ts !== "number") return discard("bad_type", `"${tsField}" is not a number`);
    const tsMs = ts * tsFactor;
    if (!Number.isFinite(tsMs)) return discard("non_finite", "ts is not finite");
    const out: Reading[] = [];
    for (const c of channels) {
      const v = own(doc, c.field);
      if (v === undefined) continue;
      if (typeof v !== "number") return discard("bad_type", `"${c.field}" is not a number`);
      const y = Math.fround(v * c.scale + c.offset);
      if (!Number.isFinite(y))
        return discard("non_finite", `"${c.field}" is not finite after scale and offset`);
      out.push({ channel: c.name, tsMs, sampleRateHz: Number.NaN, samples: Float32Array.of(y) });
    }
    if (out.length === 0) {
      return discard(
        "missing_field",
        `none of the channel fields (${fieldList}${channels.length > 4 ? ", …" : ""})`,
      );
    }
    return readings(out);
  };
}
