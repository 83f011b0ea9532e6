import type { FeatureParams } from "../config/profile-schema.js";
import type { Window } from "../types.js";
import { ChannelContext } from "./channel-context.js";
import { FeatureError } from "./feature-error.js";
import type { BoundFeature } from "./feature-family.js";
import { resolveFeatureSpecs } from "./registry.js";

export interface FeatureExtractorOptions {
  /** Channel used by specs without "@channel". */
  primaryChannel: string;
  /** Nominal sample rate of the window (used when a window carries none, and to check bands). */
  sampleRateHz: number;
  /** Nominal length; buffers are sized on the first window and grow once for a longer one. */
  windowSamples: number;
  /** shaftHz / shaftRpm / rpmChannel / defectOrders / envelopeBandHz. */
  params: FeatureParams;
}

/**
 * Computes a fixed list of named features (a model's inputs) for each window, in order, into a
 * caller's Float32Array. Shared intermediates (moments, spectrum, envelope spectrum) are computed
 * once per window per channel; compute() allocates nothing.
 *
 * Values are computed in float64 and stored as float32. A feature whose channel (any of them,
 * for a two-channel feature) is missing or empty in the window, or whose shaft speed is unknown, is NaN: the caller decides (the inference
 * stage should refuse a vector that is not finite).
 *
 * Shaft speed per window: the mean of the window's `params.rpmChannel` / 60 when the window holds
 * that channel, else `shaftHz`, else `shaftRpm` / 60.
 */
export class FeatureExtractor {
  readonly names: readonly string[];
  readonly size: number;
  private readonly features: BoundFeature[];
  /** Context of each feature, by feature index. */
  private readonly featureContexts: ChannelContext[];
  /** Contexts of the further channels a feature reads (`x_diff@a:b`: b), by feature index. */
  private readonly featureOperands: (readonly ChannelContext[])[];
  private readonly contexts: ChannelContext[];
  private readonly usesShaftSpeed: boolean;
  private readonly rpmChannel: string | undefined;
  private readonly fixedShaftHz: number;

  constructor(specs: readonly string[], opts: FeatureExtractorOptions) {
    const { resolved, problems } = resolveFeatureSpecs(specs, opts.params, null, opts.sampleRateHz);
    if (problems.length > 0) {
      const unknown = problems.some((p) => p.code === "EA_FEATURE_UNKNOWN");
      const messages = problems.map((p) => p.message);
      throw new FeatureError(
        unknown ? "EA_FEATURE_UNKNOWN" : "EA_FEATURE_PARAMS",
        `${problems.length} bad feature spec(s): ${messages.join("; ")}`,
        messages,
      );
    }
    this.names = Object.freeze([...specs]);
    this.size = specs.length;
    const byChannel = new Map<string, ChannelContext>();
    const contextOf = (channel: string) => {
      let ctx = byChannel.get(channel);
      if (ctx === undefined) {
        ctx = new ChannelContext(channel, opts.sampleRateHz);
        byChannel.set(channel, ctx);
      }
      return ctx;
    };
    this.features = [];
    this.featureContexts = [];
    this.featureOperands = [];
    for (const r of resolved) {
      const operands = (r.channels.length > 0 ? r.channels : [opts.primaryChannel]).map(contextOf);
      const ctx = operands[0]!;
      this.features.push(r.resolution.bind(ctx, operands));
      this.featureContexts.push(ctx);
      this.featureOperands.push(operands.slice(1));
    }
    this.contexts = [...byChannel.values()];
    this.usesShaftSpeed = resolved.some((r) => r.resolution.usesShaftSpeed);
    const p = opts.params;
    this.rpmChannel = p.rpmChannel;
    this.fixedShaftHz = p.shaftHz ?? (p.shaftRpm !== undefined ? p.shaftRpm / 60 : Number.NaN);
  }

  /** Fill out[offset .. offset+size) with the features of the window (computed in float64, stored as float32). */
  compute(window: Window, out: Float32Array, offset = 0): void {
    if (!(offset >= 0) || offset + this.size > out.length) {
      throw new FeatureError(
        "EA_FEATURE_OUTPUT",
        `output holds ${out.length} values; ${this.size} features do not fit at offset ${offset}`,
      );
    }
    const shaftHz = this.usesShaftSpeed ? this.shaftHz(window) : Number.NaN;
    const contexts = this.contexts;
    for (let c = 0; c < contexts.length; c++) {
      const ctx = contexts[c]!;
      const samples = window.channels[ctx.channel];
      ctx.reset(samples instanceof Float32Array ? samples : undefined, window.sampleRateHz, shaftHz);
    }
    const features = this.features;
    const featureContexts = this.featureContexts;
    const featureOperands = this.featureOperands;
    for (let i = 0; i < features.length; i++) {
      let present = featureContexts[i]!.present;
      const more = featureOperands[i]!;
      for (let k = 0; k < more.length; k++) present = present && more[k]!.present;
      if (present) features[i]!(out, offset + i);
      else out[offset + i] = Number.NaN;
    }
  }

  private shaftHz(window: Window): number {
    if (this.rpmChannel !== undefined) {
      const rpm = window.channels[this.rpmChannel];
      if (rpm instanceof Float32Array && rpm.length > 0) {
        let sum = 0;
        for (let i = 0; i < rpm.length; i++) sum += rpm[i]!;
        if (sum > 0) return sum / rpm.length / 60;
      }
    }
    return this.fixedShaftHz;
  }
}
