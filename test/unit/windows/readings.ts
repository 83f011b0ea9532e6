import { type Profile, profileSchema, type WindowingConfig } from "../../../src/config/profile-schema.js";
import type { Reading, Window } from "../../../src/types.js";

export function reading(
  tsMs: number,
  samples: readonly number[],
  sampleRateHz = Number.NaN,
  channel = "accel",
): Reading {
  return { channel, tsMs, sampleRateHz, samples: Float32Array.from(samples) };
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A profile around the windowing under test; channels default to one `accel` channel. */
export function windowingProfile(
  windowing: Partial<WindowingConfig> & Pick<WindowingConfig, "type">,
  channels: Record<string, { sampleRateHz?: number }> = { accel: { sampleRateHz: 1000 } },
  codec: Record<string, unknown> = { type: "json-block" },
): Profile {
  return profileSchema.parse({
    transport: { type: "mqtt" },
    codec,
    channels,
    windowing,
    model: { name: "test-model" },
    advice: { classes: { normal: { severity: "ok" } } },
  });
}

/** [t0Ms, tsMs, samples of the window's channel] */
export function brief(w: Window): [number, number, number[]] {
  return [w.t0Ms, w.tsMs, Array.from(w.channels[w.channel] ?? [])];
}
