import type { Discarded } from "../types.js";
import { discard } from "./discard.js";
import { payloadText, preview } from "./payload-text.js";

export type ParsedObject = { readonly kind: "object"; readonly value: Record<string, unknown> } | Discarded;

/**
 * The generic JSON path: payload → its top-level object, or `bad_json` / `bad_type`.
 * JSON.parse semantics throughout (duplicate keys: the last one wins).
 */
export function parseJsonObject(payload: Uint8Array): ParsedObject {
  const text = payloadText(payload);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return discard("bad_json", `not valid JSON: ${preview(text)}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    const got = doc === null ? "null" : Array.isArray(doc) ? "an array" : typeof doc;
    return discard("bad_type", `expected a JSON object, got ${got}`);
  }
  return { kind: "object", value: doc as Record<string, unknown> };
}

/** An own property of a parsed object (never one inherited from Object.prototype). */
export function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
