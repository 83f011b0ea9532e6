import type { DecodeResult, Discarded, DiscardReason, Reading } from "../types.js";

/**
 * The two outcomes of a decode, and the size check every codec makes before it parses anything.
 * A `detail` ends up in logs: keep it short and quote foreign text only through `preview`.
 */

export function discard(reason: DiscardReason, detail: string): Discarded {
  return { kind: "discarded", reason, detail };
}

export function readings(list: readonly Reading[]): DecodeResult {
  return { kind: "readings", readings: list };
}

export function checkSize(payload: Uint8Array, maxPayloadBytes: number): Discarded | null {
  if (payload.length <= maxPayloadBytes) return null;
  return discard("oversize", `payload of ${payload.length} bytes exceeds maxPayloadBytes ${maxPayloadBytes}`);
}
