/**
 * Cuts a CWRU recording into the windows a block-windowed vibration profile would produce:
 * consecutive, non-overlapping (or `hopSamples` apart) blocks of `windowSamples` samples.
 */

import type { Window } from "../types.js";

export interface SignalWindowOptions {
  readonly windowSamples: number;
  /** Samples between window starts (default: windowSamples, no overlap). */
  readonly hopSamples?: number;
  readonly sampleRateHz: number;
  /** Channel name the windows carry (the model's primary channel). */
  readonly channel: string;
  /** Time of the first sample, ms. */
  readonly t0Ms?: number;
}

/** Windows over `signal` (views into it); a tail shorter than a window is dropped. */
export function signalWindows(signal: Float32Array, opts: SignalWindowOptions): Window[] {
  const hop = opts.hopSamples ?? opts.windowSamples;
  if (!(opts.windowSamples > 0 && hop > 0))
    throw new RangeError("windowSamples and hopSamples must be positive");
  const out: Window[] = [];
  const t0 = opts.t0Ms ?? 0;
  const msPerSample = 1000 / opts.sampleRateHz;
  for (let start = 0; start + opts.windowSamples <= signal.length; start += hop) {
    const samples = signal.subarray(start, start + opts.windowSamples);
    out.push({
      channel: opts.channel,
      t0Ms: t0 + start * msPerSample,
      tsMs: t0 + (start + opts.windowSamples) * msPerSample,
      sampleRateHz: opts.sampleRateHz,
      channels: { [opts.channel]: samples },
    });
  }
  return out;
}
