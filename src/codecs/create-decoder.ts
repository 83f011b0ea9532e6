import type { Profile } from "../config/profile-schema.js";
import { createBinaryDecoder } from "./binary-decoder.js";
import { createCsvLineDecoder } from "./csv-line-decoder.js";
import type { Decoder } from "./decoder.js";
import { createJsonBlockDecoder } from "./json-block-decoder.js";
import { createJsonScalarDecoder } from "./json-scalar-decoder.js";

export type { Decoder } from "./decoder.js";

/**
 * The decoder for a device profile, picked by `profile.codec.type`. Every decoder checks the
 * payload size before it parses anything, applies each channel's scale then offset (in that
 * order), returns samples as Float32Array, and turns bad input into a `Discarded` value.
 * A decoder keeps scratch buffers: use one per profile and stream, not across threads.
 */
export function createDecoder(profile: Profile, opts: DecoderOptions = {}): Decoder {
  const codec = profile.codec;
  const reuse = opts.reuseSamples ?? false;
  switch (codec.type) {
    case "json-block":
      return createJsonBlockDecoder(codec, profile, { reuseSamples: reuse });
    case "json-scalar":
      return createJsonScalarDecoder(codec, profile);
    case "csv-line":
      return createCsvLineDecoder(codec, profile, reuse);
    case "binary":
      return createBinaryDecoder(codec, profile, reuse);
  }
}

export interface DecoderOptions {
  /**
   * Block codecs return their samples in one reused array, valid until the next decode, instead
   * of a new array per message: for a caller that copies whatever it keeps (the asset pipeline).
   */
  readonly reuseSamples?: boolean;
}
