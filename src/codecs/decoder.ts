import type { DecodeResult } from "../types.js";

/**
 * Turns one payload into readings, or a `Discarded` with the reason. Never throws on bad input.
 * `receivedAtMs` is used as the reading's time only when the payload carries none.
 */
export type Decoder = (payload: Uint8Array, receivedAtMs: number) => DecodeResult;
