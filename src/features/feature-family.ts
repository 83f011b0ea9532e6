import type { FeatureParams } from "../config/profile-schema.js";
import type { ChannelContext } from "./channel-context.js";

/**
 * A feature bound to one channel's context: writes its value for the current window to
 * `out[index]`. Writing (rather than returning a number) keeps doubles unboxed on the hot path.
 */
export type BoundFeature = (out: Float32Array, index: number) => void;

/** What a family says about a feature name it owns. */
export type Resolution =
  | {
      readonly ok: true;
      /**
       * Attach the feature to its channel (at construction: may allocate; the result must not).
       * `operands` holds the context of every channel the spec names, in order (`operands[0]` is
       * `ctx`); single-channel features ignore it.
       */
      readonly bind: (ctx: ChannelContext, operands: readonly ChannelContext[]) => BoundFeature;
      /** The feature reads the shaft speed (the extractor then works it out per window). */
      readonly usesShaftSpeed: boolean;
      /** How many channels the spec must name after `@` (`a:b` for 2); default 1 (or none: the primary). */
      readonly operands?: number;
    }
  | { readonly ok: false; readonly message: string };

export interface ResolveOptions {
  readonly params: FeatureParams;
  /** Nominal sample rate when known (the extractor), to check bands against Nyquist. */
  readonly sampleRateHz?: number | undefined;
}

/** One family of features (one file): its names for docs, and how to resolve a name. */
export interface FeatureFamily {
  readonly family: string;
  /** Names for docs; `<order>` stands for a key of params.defectOrders. */
  readonly names: readonly string[];
  /** `undefined` when the name is not this family's. */
  resolve(name: string, opts: ResolveOptions): Resolution | undefined;
}

/** A resolution for a feature that needs no parameters. */
export function simpleFeature(bind: (ctx: ChannelContext) => BoundFeature): Resolution {
  return { ok: true, bind, usesShaftSpeed: false };
}
