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
  /** Only windows inside samples [from, to) of the signal (default: all of it). */
  readonly from?: number;
  readonly to?: number;
}

/**
 * Windows over `signal` (views into it), starting at `from` every hop; a tail shorter than a
 * window (before `to`) is dropped.
 */
export function signalWindows(signal: Float32Array, opts: SignalWindowOptions): Window[] {
  const hop = opts.hopSamples ?? opts.windowSamples;
  if (!(opts.windowSamples > 0 && hop > 0))
    throw new RangeError("windowSamples and hopSamples must be positive");
  const out: Window[] = [];
  const t0 = opts.t0Ms ?? 0;
  const msPerSample = 1000 / opts.sampleRateHz;
  const from = Math.max(0, opts.from ?? 0);
  const to = Math.min(signal.length, opts.to ?? signal.length);
  for (let start = from; start + opts.windowSamples <= to; start += hop) {
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
